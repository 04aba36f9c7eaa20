<?php
/**
 * The persistent outbox of events, with retries and backoff.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Every event is written here before anything is sent, so nothing is lost when the service is down: a failed post
 * stays pending and is retried with exponential backoff, forever for transient failures. Rows are claimed with a
 * conditional UPDATE, so two dispatchers (WP-Cron and WP-CLI, say) never send the same row at once.
 */
class Queue {

	const PENDING = 'pending';
	const FAILED  = 'failed';

	/** First retry delay in seconds. */
	const BASE_DELAY = 30;

	/** Longest retry delay in seconds, so delivery resumes within minutes after an outage of any length. */
	const MAX_DELAY = 900;

	/** How long a claimed row stays locked, in seconds. */
	const LOCK_SECONDS = 120;

	/**
	 * Delay before attempt number $attempts + 1. Pure.
	 *
	 * @param int $attempts Attempts made so far (>= 1).
	 * @param int $base     Base delay.
	 * @param int $max      Cap.
	 * @return int Seconds.
	 */
	public static function backoff( $attempts, $base = self::BASE_DELAY, $max = self::MAX_DELAY ) {
		$attempts = max( 1, (int) $attempts );
		$delay    = (int) min( $max, $base * pow( 2, min( 20, $attempts - 1 ) ) );
		return max( 1, $delay );
	}

	/**
	 * Adds an event.
	 *
	 * @param array $event Event body.
	 * @return int Row id.
	 */
	public static function push( array $event ) {
		global $wpdb;
		$wpdb->insert( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
			Schema::queue_table(),
			array(
				'event_type'      => $event['type'],
				'attachment_id'   => (int) $event['attachmentId'],
				'payload'         => wp_json_encode( $event, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ),
				'status'          => self::PENDING,
				'attempts'        => 0,
				'next_attempt_at' => 0,
				'locked_until'    => 0,
				'created_at'      => time(),
			),
			array( '%s', '%d', '%s', '%s', '%d', '%d', '%d', '%d' )
		);
		return (int) $wpdb->insert_id;
	}

	/**
	 * Claims due rows in order.
	 *
	 * @param int $limit Most rows.
	 * @param int $now   Unix seconds.
	 * @return array[] Rows with id, event_type, attachment_id, payload, attempts.
	 */
	public static function claim_due( $limit, $now ) {
		global $wpdb;
		$table = Schema::queue_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$rows    = $wpdb->get_results( $wpdb->prepare( "SELECT id, event_type, attachment_id, payload, attempts FROM {$table} WHERE status = %s AND next_attempt_at <= %d AND locked_until < %d ORDER BY id ASC LIMIT %d", self::PENDING, $now, $now, (int) $limit ), ARRAY_A );
		$claimed = array();
		foreach ( $rows as $row ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
			$won = $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET locked_until = %d WHERE id = %d AND status = %s AND locked_until < %d", $now + self::LOCK_SECONDS, $row['id'], self::PENDING, $now ) );
			if ( 1 === (int) $won ) {
				$claimed[] = $row;
			}
		}
		return $claimed;
	}

	/**
	 * Removes a delivered row.
	 *
	 * @param int $id Row id.
	 */
	public static function delivered( $id ) {
		global $wpdb;
		$wpdb->delete( Schema::queue_table(), array( 'id' => (int) $id ), array( '%d' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}

	/**
	 * Records a failed attempt: retried later, or parked as failed when the service refused the event for good.
	 *
	 * @param int    $id        Row id.
	 * @param int    $attempts  Attempts made, including this one.
	 * @param string $error     What went wrong (no secrets).
	 * @param bool   $permanent Whether retrying cannot help (400, 413, 422).
	 * @param int    $now       Unix seconds.
	 * @return int When the next attempt is due (0 when parked).
	 */
	public static function failed( $id, $attempts, $error, $permanent, $now ) {
		global $wpdb;
		/**
		 * Filters the delay before the next attempt at a failed event.
		 *
		 * @param int $delay    Seconds.
		 * @param int $attempts Attempts made so far.
		 */
		$delay = (int) apply_filters( 'media_offload_retry_delay', self::backoff( $attempts ), $attempts );
		$next  = $permanent ? 0 : $now + max( 1, $delay );
		$wpdb->update( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
			Schema::queue_table(),
			array(
				'status'          => $permanent ? self::FAILED : self::PENDING,
				'attempts'        => (int) $attempts,
				'next_attempt_at' => $next,
				'locked_until'    => 0,
				'last_error'      => substr( (string) $error, 0, 2000 ),
			),
			array( 'id' => (int) $id ),
			array( '%s', '%d', '%d', '%d', '%s' ),
			array( '%d' )
		);
		return $next;
	}

	/**
	 * Unlocks a claimed row that was not tried.
	 *
	 * @param int $id   Row id.
	 * @param int $next When it is due.
	 */
	public static function release( $id, $next ) {
		global $wpdb;
		$wpdb->update( Schema::queue_table(), array( 'locked_until' => 0, 'next_attempt_at' => (int) $next ), array( 'id' => (int) $id ), array( '%d', '%d' ), array( '%d' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}

	/**
	 * Puts parked and waiting rows back in line now (the status screen's "Retry now" and `wp media-offload retry`).
	 *
	 * @return int Rows affected.
	 */
	public static function retry_all() {
		global $wpdb;
		$table = Schema::queue_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		return (int) $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET status = %s, next_attempt_at = 0, locked_until = 0", self::PENDING ) );
	}

	/**
	 * Removes an attachment's upload and edit events that are not being sent right now, before its upload event is
	 * queued again ("Send to offload again"): the new event describes its files as they are, so the old ones, refused
	 * or waiting, would only be sent in vain.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @param int $now           Unix seconds.
	 * @return int Rows removed.
	 */
	public static function drop_for_resend( $attachment_id, $now ) {
		global $wpdb;
		$table = Schema::queue_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		return (int) $wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE attachment_id = %d AND event_type IN (%s, %s) AND locked_until < %d", (int) $attachment_id, 'attachment.uploaded', 'attachment.updated', (int) $now ) );
	}

	/**
	 * Earliest time a pending row is due, or null when nothing is pending.
	 *
	 * @return int|null
	 */
	public static function next_due() {
		global $wpdb;
		$table = Schema::queue_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$next = $wpdb->get_var( $wpdb->prepare( "SELECT MIN(GREATEST(next_attempt_at, locked_until)) FROM {$table} WHERE status = %s", self::PENDING ) );
		return null === $next ? null : (int) $next;
	}

	/**
	 * Rows for the status screen: pending and failed, oldest first.
	 *
	 * @param int $limit Most rows.
	 * @return array[]
	 */
	public static function waiting( $limit = 50 ) {
		global $wpdb;
		$table = Schema::queue_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		return $wpdb->get_results( $wpdb->prepare( "SELECT id, event_type, attachment_id, status, attempts, next_attempt_at, last_error, created_at FROM {$table} ORDER BY id ASC LIMIT %d", (int) $limit ), ARRAY_A );
	}

	/**
	 * Counts by status.
	 *
	 * @return array{pending:int, failed:int, retrying:int}
	 */
	public static function counts() {
		global $wpdb;
		$table = Schema::queue_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT SUM(status = %s) AS pending, SUM(status = %s) AS failed, SUM(status = %s AND attempts > 0) AS retrying FROM {$table}", self::PENDING, self::FAILED, self::PENDING ), ARRAY_A );
		return array(
			'pending'  => (int) ( $row['pending'] ?? 0 ),
			'failed'   => (int) ( $row['failed'] ?? 0 ),
			'retrying' => (int) ( $row['retrying'] ?? 0 ),
		);
	}
}
