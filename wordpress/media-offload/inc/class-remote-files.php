<?php
/**
 * Removing local copies of verified files: the WP-Cron run, its batches and the log.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Removes the local copy of each file the service has verified in a versioned bucket, when `remove_local` is on
 * (docs/remote-only.md). Remote_Rules decides; this class reads the index and the job status, asks the service,
 * has the records and the marker written in the contract's order (Remote_Records), and deletes.
 */
class Remote_Files {

	const CRON_HOOK      = 'media_offload_remove_local';
	const LOG_OPTION     = 'media_offload_removal_log';
	const PROBLEM_OPTION = 'media_offload_removal_problem';
	const CURSOR_OPTION  = 'media_offload_removal_cursor';
	const LOG_SIZE       = 50;

	/** Attachment meta: when a removal run sent the attachment again to get a job that proves its files. */
	const PROOF_META = '_media_offload_proof_requested';

	/** Attachments sent again for proof per run. */
	const PROOF_PER_RUN = 10;

	/** Files and seconds per batch. */
	const BATCH_FILES  = 20;
	const BATCH_SECONDS = 20;

	/** Fires right before a local copy is deleted, after it was recorded remote-only and the marker written. */
	const REMOVING_ACTION = 'media_offload_removing_local';

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( self::CRON_HOOK, array( __CLASS__, 'run_cron' ) );
		add_action( 'init', array( __CLASS__, 'ensure_schedule' ) );
		// After Events (10) dropped the deleted attachment's rows, so the marker's counts leave its files out.
		add_action( 'delete_attachment', array( __CLASS__, 'after_delete' ), 20 );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_action( self::CRON_HOOK, array( __CLASS__, 'run_cron' ) );
		remove_action( 'init', array( __CLASS__, 'ensure_schedule' ) );
		remove_action( 'delete_attachment', array( __CLASS__, 'after_delete' ), 20 );
	}

	/**
	 * An attachment was deleted: its remote-only files no longer count in the marker.
	 */
	public static function after_delete() {
		$uploads = wp_upload_dir( null, false );
		if ( empty( $uploads['error'] ) && file_exists( untrailingslashit( $uploads['basedir'] ) . '/' . Remote_Rules::MARKER ) ) {
			Remote_Records::write_marker();
		}
	}

	/**
	 * Keeps the five-minute run scheduled while the setting is on, and unscheduled while it is off.
	 */
	public static function ensure_schedule() {
		$next = wp_next_scheduled( self::CRON_HOOK );
		if ( Settings::get( 'remove_local' ) ) {
			if ( ! $next ) {
				// The sweep's interval (Events), which is registered on every request.
				wp_schedule_event( time() + 60, Events::SWEEP_SCHEDULE, self::CRON_HOOK );
			}
		} elseif ( $next ) {
			wp_clear_scheduled_hook( self::CRON_HOOK );
		}
	}

	/**
	 * WP-Cron: one batch, continuing the scan where the last run stopped.
	 */
	public static function run_cron() {
		if ( ! Settings::get( 'remove_local' ) ) {
			wp_clear_scheduled_hook( self::CRON_HOOK );
			return;
		}
		$cursor = (string) get_option( self::CURSOR_OPTION, '' );
		$report = self::run_batch( false, self::BATCH_FILES, $cursor );
		update_option( self::CURSOR_OPTION, $report['done'] ? '' : $report['cursor'], false );
		self::request_proof( self::PROOF_PER_RUN );
	}

	/**
	 * Sends attachments that have local files but no job status at all (offloaded by a backfill, or before the plugin
	 * followed jobs) again, once each, so the service's answer proves their files and a later run may remove them
	 * (docs/remote-only.md). The service finds the objects unchanged and fetches nothing.
	 *
	 * @param int $limit Most attachments in this call.
	 * @return int How many were sent again.
	 */
	public static function request_proof( $limit ) {
		global $wpdb;
		$files = Schema::files_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$ids  = $wpdb->get_col( $wpdb->prepare( "SELECT DISTINCT f.attachment_id FROM {$files} f LEFT JOIN {$wpdb->postmeta} s ON s.post_id = f.attachment_id AND s.meta_key = %s LEFT JOIN {$wpdb->postmeta} p ON p.post_id = f.attachment_id AND p.meta_key = %s WHERE f.remote_only = 0 AND s.meta_id IS NULL AND p.meta_id IS NULL ORDER BY f.attachment_id LIMIT %d", Job_Status::META, self::PROOF_META, (int) $limit ) );
		$sent = 0;
		foreach ( $ids as $id ) {
			// Marked first: an attachment the service refuses is not sent again on every run.
			update_post_meta( (int) $id, self::PROOF_META, time() );
			if ( Events::resend( (int) $id, false ) ) {
				++$sent;
			}
		}
		if ( $sent ) {
			Events::wake();
		}
		return $sent;
	}

	/**
	 * One batch: up to $max_files candidates after $cursor, within BATCH_SECONDS, checked by the service, then removed
	 * (or only listed, for a dry run). The cron run and `wp media-offload remove-local` both call this.
	 *
	 * @param bool   $dry_run   Ask the service and list, remove nothing.
	 * @param int    $max_files Most files, at most BATCH_FILES.
	 * @param string $cursor    Index path the scan continues after ('' from the start).
	 * @return array{removed: array[], refused: array<string,string>, problem: string, cursor: string, done: bool,
	 *               skipped: int} removed: path, attachmentId, relative, bytes (for a dry run, what would go);
	 *               refused: path => the service's reason; problem: why nothing was removed; cursor: where the next
	 *               batch continues; done: the scan reached the end of the index; skipped: rows that are no candidates.
	 */
	public static function run_batch( $dry_run, $max_files, $cursor = '' ) {
		$report = array(
			'removed' => array(),
			'refused' => array(),
			'problem' => '',
			'cursor'  => (string) $cursor,
			'done'    => false,
			'skipped' => 0,
		);
		$uploads = wp_upload_dir( null, false );
		if ( ! Settings::can_send() || ! Requirements::met() || ! empty( $uploads['error'] ) ) {
			$report['problem'] = 'the plugin cannot reach the service (settings, PHP intl or the uploads folder)';
			return $report;
		}
		$basedir  = untrailingslashit( $uploads['basedir'] );
		$deadline = time() + self::BATCH_SECONDS;
		$max      = max( 1, min( self::BATCH_FILES, (int) $max_files ) );
		$picked   = array();
		$statuses = array();
		while ( count( $picked ) < $max && time() < $deadline ) {
			$rows = self::candidate_rows( $report['cursor'], 100 );
			if ( ! $rows ) {
				$report['done'] = true;
				break;
			}
			foreach ( $rows as $row ) {
				$report['cursor'] = (string) $row['path'];
				$id               = (int) $row['attachment_id'];
				if ( ! isset( $statuses[ $id ] ) ) {
					$statuses[ $id ] = self::file_statuses( $id );
				}
				$relative = (string) $row['name'];
				$full     = Paths::clean( $relative, false ) === $relative ? $basedir . '/' . $relative : '';
				$refusal  = Remote_Rules::removal_refusal(
					$row,
					isset( $statuses[ $id ][ $row['path'] ] ) ? $statuses[ $id ][ $row['path'] ] : null,
					function () use ( $full ) {
						clearstatcache( true, $full );
						if ( '' === $full || ! is_file( $full ) ) {
							return null;
						}
						return array( (int) filesize( $full ), (string) md5_file( $full ) );
					}
				);
				if ( '' !== $refusal ) {
					++$report['skipped'];
				} else {
					$picked[ (string) $row['path'] ] = array( 'row' => $row, 'full' => $full );
				}
				if ( count( $picked ) >= $max || time() >= $deadline ) {
					break 2;
				}
			}
		}
		if ( ! $picked ) {
			return $report;
		}
		$files = array();
		foreach ( $picked as $path => $item ) {
			$files[] = array(
				'path' => (string) $path,
				'size' => (int) $item['row']['size'],
				'md5'  => (string) $item['row']['md5'],
			);
		}
		$check = Remote_Rules::read_removal_checks( Client::request( 'POST', '/v1/removal-checks', array( 'site' => self::site(), 'files' => $files ), 15 ), array_keys( $picked ) );
		if ( ! $check['ok'] || ! $check['versioned'] ) {
			// Nothing is removed; these files are asked about again on the next run.
			$report['problem'] = $check['error'];
			$report['cursor']  = (string) $cursor;
			$report['done']    = false;
			self::problem( $check['ok'] ? 'unversioned' : 'service', $check['error'] );
			return $report;
		}
		delete_option( self::PROBLEM_OPTION );
		foreach ( $check['reasons'] as $path => $reason ) {
			$report['refused'][ $path ] = $reason;
			if ( ! $dry_run ) {
				self::log( 'kept', (int) $picked[ $path ]['row']['attachment_id'], $path, 0, $reason );
			}
		}
		foreach ( array_keys( $check['verified'] ) as $path ) {
			$row   = $picked[ $path ]['row'];
			$entry = array(
				'path'         => $path,
				'attachmentId' => (int) $row['attachment_id'],
				'relative'     => (string) $row['name'],
				'bytes'        => (int) $row['size'],
			);
			if ( $dry_run ) {
				$report['removed'][] = $entry;
				continue;
			}
			$error = self::remove_one( $row, $picked[ $path ]['full'] );
			if ( '' === $error ) {
				$report['removed'][] = $entry;
			} else {
				$report['refused'][ $path ] = $error;
			}
		}
		if ( ! $dry_run ) {
			Remote_Records::write_marker();
		}
		return $report;
	}

	/**
	 * Removes one verified local copy, in the contract's order: record, marker, action, unlink.
	 *
	 * @param array  $row  Index row.
	 * @param string $full Absolute path.
	 * @return string '' when removed, else why not.
	 */
	private static function remove_one( array $row, $full ) {
		$id       = (int) $row['attachment_id'];
		$relative = (string) $row['name'];
		clearstatcache( true, $full );
		if ( ! is_file( $full ) || (int) filesize( $full ) !== (int) $row['size'] ) {
			return 'the local file changed during the check';
		}
		$mtime = (int) filemtime( $full );
		Remote_Records::record_remote( $id, $relative, (string) $row['path'], $row, $mtime );
		Remote_Records::write_marker();
		/**
		 * Fires after a file was recorded remote-only and the marker written, right before its local copy is deleted.
		 *
		 * @param int    $attachment_id Attachment ID.
		 * @param string $relative      Path below the site's uploads folder, as on disk.
		 * @param string $full_path     Absolute path about to be deleted.
		 */
		do_action( self::REMOVING_ACTION, $id, $relative, $full );
		if ( ! @unlink( $full ) ) { // phpcs:ignore WordPress.PHP.NoSilencedErrors,WordPress.WP.AlternativeFunctions.unlink_unlink -- the failure is reported.
			Remote_Records::clear_remote( $id, $relative, (string) $row['path'], array( 'size' => (int) $row['size'], 'mtime' => $mtime, 'md5' => (string) $row['md5'] ) );
			self::log( 'error', $id, (string) $row['path'], 0, 'could not delete the local copy' );
			return 'could not delete the local copy';
		}
		// A describe() in another request between the record and the unlink saw the file and cleared the record; the
		// file is gone now, so record it again: nothing is ever absent locally without being recorded.
		Remote_Records::record_remote( $id, $relative, (string) $row['path'], $row, $mtime );
		self::log( 'removed', $id, (string) $row['path'], (int) $row['size'], '' );
		return '';
	}

	/**
	 * Index rows that may be candidates: local, after $after, of attachments with a job status and no event waiting
	 * in the outbox (a change not sent yet).
	 *
	 * @param string $after Path the scan continues after.
	 * @param int    $limit Most rows.
	 * @return array[] path, attachment_id, name, size, md5.
	 */
	private static function candidate_rows( $after, $limit ) {
		global $wpdb;
		$files = Schema::files_table();
		$queue = Schema::queue_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names only.
		return (array) $wpdb->get_results( $wpdb->prepare( "SELECT f.path, f.attachment_id, f.name, f.size, f.md5 FROM {$files} f INNER JOIN {$wpdb->postmeta} m ON m.post_id = f.attachment_id AND m.meta_key = %s WHERE f.remote_only = 0 AND f.path > %s AND f.attachment_id NOT IN (SELECT q.attachment_id FROM {$queue} q WHERE q.status = %s) ORDER BY f.path ASC LIMIT %d", Job_Status::META, (string) $after, Queue::PENDING, (int) $limit ), ARRAY_A );
	}

	/**
	 * The files of an attachment's jobs by path, the latest job's entry winning.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return array<string,array>
	 */
	private static function file_statuses( $attachment_id ) {
		$files = array();
		$jobs  = Job_Status::load( $attachment_id )['jobs'];
		usort(
			$jobs,
			function ( $a, $b ) {
				return (int) $a['sentAt'] - (int) $b['sentAt'];
			}
		);
		foreach ( $jobs as $job ) {
			foreach ( $job['files'] as $file ) {
				$files[ (string) $file['path'] ] = $file;
			}
		}
		return $files;
	}

	/**
	 * The site as the service names it: the origin of a single site, the home URL of a network's site (as events).
	 *
	 * @return string
	 */
	public static function site() {
		return is_multisite() ? Network::site_url( home_url() ) : Paths::origin( home_url() );
	}

	/**
	 * Keeps why a run removed nothing, for the status panel, and says so in the PHP error log.
	 *
	 * @param string $code    service or unversioned.
	 * @param string $message What went wrong.
	 */
	private static function problem( $code, $message ) {
		update_option(
			self::PROBLEM_OPTION,
			array(
				'code'    => (string) $code,
				'message' => Job_Status::text( $message ),
				'time'    => time(),
			),
			false
		);
		self::log( 'problem', 0, '', 0, $message );
	}

	/**
	 * Logs a removal, a restore or a problem: to the PHP error log with a clear prefix, and to the capped option the
	 * status panel shows.
	 *
	 * @param string $action        removed, restored, kept, problem or error.
	 * @param int    $attachment_id Attachment ID (0 for none).
	 * @param string $path          Key-space path ('' for none).
	 * @param int    $bytes         Bytes freed or brought back.
	 * @param string $detail        Reason.
	 */
	public static function log( $action, $attachment_id, $path, $bytes, $detail ) {
		error_log( sprintf( '[media-offload] remote-only %s attachment %d %s%s', $action, (int) $attachment_id, $path, '' === (string) $detail ? '' : ': ' . $detail ) ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- the operator's record of deleted copies.
		Capped_Log::push(
			self::LOG_OPTION,
			array(
				'time'         => time(),
				'action'       => (string) $action,
				'attachmentId' => (int) $attachment_id,
				'path'         => Job_Status::text( $path ),
				'bytes'        => (int) $bytes,
				'detail'       => Job_Status::text( $detail ),
			),
			self::LOG_SIZE
		);
	}
}
