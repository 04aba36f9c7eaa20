<?php
/**
 * Upload, edit and delete events: recorded during the request, sent by WP-Cron.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Turns attachment changes into signed events for the service without ever blocking the editor.
 *
 * During a request, hooks only mark attachments as changed. At shutdown, when WordPress has written all the meta,
 * each changed attachment is described and its event is written to the persistent queue; a WP-Cron event then
 * posts it. A failed post stays queued with backoff (see Queue).
 */
class Events {

	const DISPATCH_HOOK = 'media_offload_dispatch';
	const SWEEP_HOOK    = 'media_offload_sweep';
	const SWEEP_SCHEDULE = 'media_offload_five_minutes';
	const LOG_OPTION    = 'media_offload_log';
	const LOG_SIZE      = 25;

	/** Files per event; the service accepts up to 200. */
	const FILES_PER_EVENT = 100;

	/** Seconds one cron run may spend posting. */
	const TIME_BUDGET = 20;

	/**
	 * Attachment ID => 'attachment.uploaded' or 'attachment.updated'.
	 *
	 * @var array<int,string>
	 */
	private $changed = array();

	/**
	 * Whether this request queued an event.
	 *
	 * @var bool
	 */
	private $queued = false;

	/**
	 * Whether the plugin may run (Requirements::met()). When it may not, only deletes are bookkept: the index drops
	 * the attachment's rows (its paths must not stay owned by an attachment that is gone) and the delete of what it
	 * owned waits in the outbox. Nothing is described, indexed or sent.
	 *
	 * @var bool
	 */
	private $ready;

	/**
	 * Constructor.
	 *
	 * @param bool $ready Whether the plugin's requirements are met.
	 */
	public function __construct( $ready = true ) {
		$this->ready = (bool) $ready;
	}

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( 'delete_attachment', array( $this, 'on_delete' ), 10, 1 );
		// Kept while inert too, so WP-Cron keeps the sweep's schedule for when the plugin can run again.
		add_filter( 'cron_schedules', array( __CLASS__, 'cron_schedules' ) ); // phpcs:ignore WordPress.WP.CronInterval -- five minutes is the sweep interval.
		if ( ! $this->ready ) {
			return;
		}
		add_filter( 'wp_generate_attachment_metadata', array( $this, 'on_generate' ), 999, 2 );
		add_filter( 'wp_update_attachment_metadata', array( $this, 'on_update' ), 999, 2 );
		add_action( 'shutdown', array( $this, 'flush' ), 0 );
		add_action( self::DISPATCH_HOOK, array( __CLASS__, 'run_cron' ) );
		add_action( self::SWEEP_HOOK, array( __CLASS__, 'sweep' ) );
		add_action( 'init', array( __CLASS__, 'ensure_sweep' ) );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_filter( 'wp_generate_attachment_metadata', array( $this, 'on_generate' ), 999 );
		remove_filter( 'wp_update_attachment_metadata', array( $this, 'on_update' ), 999 );
		remove_action( 'delete_attachment', array( $this, 'on_delete' ), 10 );
		remove_action( 'shutdown', array( $this, 'flush' ), 0 );
		remove_action( self::DISPATCH_HOOK, array( __CLASS__, 'run_cron' ) );
		remove_action( self::SWEEP_HOOK, array( __CLASS__, 'sweep' ) );
		remove_filter( 'cron_schedules', array( __CLASS__, 'cron_schedules' ) );
		remove_action( 'init', array( __CLASS__, 'ensure_sweep' ) );
	}

	/**
	 * Adds the five-minute schedule of the sweep.
	 *
	 * @param array $schedules Schedules.
	 * @return array
	 */
	public static function cron_schedules( $schedules ) {
		$schedules[ self::SWEEP_SCHEDULE ] = array(
			'interval' => 5 * MINUTE_IN_SECONDS,
			'display'  => __( 'Every five minutes (Media Offload)', 'media-offload' ),
		);
		return $schedules;
	}

	/**
	 * Keeps the sweep scheduled: it retries whatever is due even if a single dispatch event was lost.
	 */
	public static function ensure_sweep() {
		if ( ! wp_next_scheduled( self::SWEEP_HOOK ) ) {
			wp_schedule_event( time() + 5 * MINUTE_IN_SECONDS, self::SWEEP_SCHEDULE, self::SWEEP_HOOK );
		}
	}

	/**
	 * After WordPress made the sizes of a new upload.
	 *
	 * @param array $metadata      Metadata.
	 * @param int   $attachment_id Attachment ID.
	 * @return array Unchanged.
	 */
	public function on_generate( $metadata, $attachment_id ) {
		$known = get_post_meta( $attachment_id, Attachment_Files::META, true );
		$this->changed[ (int) $attachment_id ] = is_array( $known ) && $known ? 'attachment.updated' : 'attachment.uploaded';
		return $metadata;
	}

	/**
	 * Any metadata change, e.g. the image editor saving new files.
	 *
	 * @param array $metadata      Metadata.
	 * @param int   $attachment_id Attachment ID.
	 * @return array Unchanged.
	 */
	public function on_update( $metadata, $attachment_id ) {
		if ( ! isset( $this->changed[ (int) $attachment_id ] ) ) {
			$this->changed[ (int) $attachment_id ] = 'attachment.updated';
		}
		return $metadata;
	}

	/**
	 * Before WordPress deletes an attachment's files: queue the delete of every key it may delete, and free its paths.
	 *
	 * @param int $attachment_id Attachment ID.
	 */
	public function on_delete( $attachment_id ) {
		$attachment_id = (int) $attachment_id;
		unset( $this->changed[ $attachment_id ] );
		$owned = Manifest_Index::owned_paths( $attachment_id );
		$known = array();
		$taken = array();
		if ( $this->ready ) {
			// Without intl the names on disk cannot be put into NFC, so only the index's own paths are used.
			$known = Attachment_Files::known_paths( $attachment_id );
			$taken = Manifest_Index::owners( $known );
		}
		$conflicts = get_post_meta( $attachment_id, Manifest_Index::CONFLICTS_META, true );
		$paths     = self::delete_paths( $attachment_id, $owned, $known, $taken, is_array( $conflicts ) ? $conflicts : array() );
		Manifest_Index::remove( $attachment_id );
		if ( ! $paths || ! Settings::can_send() ) {
			return;
		}
		$files = array_map(
			function ( $path ) {
				return array( 'path' => $path );
			},
			$paths
		);
		$this->enqueue( 'attachment.deleted', $attachment_id, $files );
	}

	/**
	 * The keys a deleted attachment may ask the service to delete (docs/keys.md, "Two names, one key"). Pure.
	 *
	 * Every path it owns in the index, and any other path it had that no other attachment owns and that it never
	 * lost to one (a file that left the disk earlier, say). Never a path another attachment owns, never a path it
	 * recorded as a conflict, never a reserved variant name.
	 *
	 * @param int      $attachment_id Attachment ID.
	 * @param string[] $owned         Paths the index says it owns.
	 * @param string[] $known         Attachment_Files::known_paths().
	 * @param int[]    $owners        Path => owner id for the known paths that have a row.
	 * @param array    $conflicts     Its CONFLICTS_META: path => owner id.
	 * @return string[] Sorted.
	 */
	public static function delete_paths( $attachment_id, array $owned, array $known, array $owners, array $conflicts ) {
		$paths = array();
		foreach ( $owned as $path ) {
			$paths[ (string) $path ] = true;
		}
		foreach ( $known as $path ) {
			$path = (string) $path;
			if ( isset( $owners[ $path ] ) && (int) $owners[ $path ] !== (int) $attachment_id ) {
				continue;
			}
			if ( array_key_exists( $path, $conflicts ) ) {
				continue;
			}
			$paths[ $path ] = true;
		}
		$paths = array_filter(
			array_map( 'strval', array_keys( $paths ) ),
			function ( $path ) {
				return ! Paths::is_reserved_variant_name( $path );
			}
		);
		sort( $paths, SORT_STRING );
		return array_values( $paths );
	}

	/**
	 * At shutdown: describe each changed attachment, index it and queue its event; then wake WP-Cron.
	 *
	 * An event lists only the files the attachment owns in the index: a file whose NFC path another attachment owns
	 * stays out, and WordPress keeps serving it (docs/keys.md, "Two names, one key").
	 */
	public function flush() {
		$changed       = $this->changed;
		$this->changed = array();
		foreach ( $changed as $attachment_id => $type ) {
			$post = get_post( $attachment_id );
			if ( ! $post || 'attachment' !== $post->post_type ) {
				continue;
			}
			$before = get_post_meta( $attachment_id, Attachment_Files::META, true );
			$files  = Attachment_Files::describe( $attachment_id );
			$after  = get_post_meta( $attachment_id, Attachment_Files::META, true );
			$index  = Manifest_Index::index_attachment( $attachment_id, $files );
			if ( ! $index['owned'] || ! Settings::can_send() ) {
				continue;
			}
			if ( 'attachment.updated' === $type && $before === $after && ! $index['claimed'] ) {
				continue; // Metadata changed, files did not (alt text, say), and no path was freed for it.
			}
			$this->enqueue( $type, $attachment_id, $index['owned'] );
		}
		if ( $this->queued ) {
			$this->queued = false;
			self::wake();
		}
	}

	/**
	 * Describes an attachment again and queues its upload event now, in place of any upload or edit event of it still
	 * waiting: "Send to offload again", and Job_Status's bounded resend of a job the service calls retryable.
	 *
	 * A caller that queues several attachments at once wakes WP-Cron once, after the last: a cron run woken by the
	 * first could claim the outbox before the others are in it, and this request, which still sees the dispatch it
	 * scheduled, would not schedule another.
	 *
	 * @param int  $attachment_id Attachment ID.
	 * @param bool $wake          Whether to schedule a dispatch and wake WP-Cron now.
	 * @return int Events queued: 0 when it owns no offloadable file or nothing may be sent.
	 */
	public static function resend( $attachment_id, $wake = true ) {
		$post = get_post( (int) $attachment_id );
		if ( ! $post || 'attachment' !== $post->post_type || ! Settings::can_send() || ! Requirements::met() ) {
			return 0;
		}
		$index = Manifest_Index::index_attachment( $post->ID, Attachment_Files::describe( $post->ID ) );
		if ( ! $index['owned'] ) {
			return 0;
		}
		Queue::drop_for_resend( $post->ID, time() );
		$events = new self( true );
		$queued = $events->enqueue( 'attachment.uploaded', $post->ID, $index['owned'] );
		if ( $queued && $wake ) {
			self::wake();
		}
		return $queued;
	}

	/**
	 * Writes an event (in chunks the service accepts) to the queue.
	 *
	 * @param string  $type          Event type.
	 * @param int     $attachment_id Attachment ID.
	 * @param array[] $files         Files.
	 * @return int Events queued.
	 */
	private function enqueue( $type, $attachment_id, array $files ) {
		$queued = 0;
		$fields = array_flip( array( 'path', 'url', 'size', 'md5', 'mime', 'modified' ) );
		if ( 'attachment.deleted' !== $type ) {
			// A remote-only file is in the bucket already, and WordPress could not serve it to the service's fetch
			// (docs/remote-only.md); a delete names it like any other file.
			$files = array_values( array_filter( $files, array( __CLASS__, 'is_local_file' ) ) );
		}
		$files  = array_map(
			function ( $file ) use ( $fields ) {
				// The event carries the service's fields only; 'name' is the index's.
				return array_intersect_key( $file, $fields );
			},
			$files
		);
		foreach ( array_chunk( $files, self::FILES_PER_EVENT ) as $chunk ) {
			$event = array(
				'type'         => $type,
				'site'         => Paths::origin( home_url() ),
				'attachmentId' => (int) $attachment_id,
				'files'        => $chunk,
			);
			/**
			 * Filters an event before it is queued. Return null to drop it.
			 *
			 * @param array|null $event Event body.
			 */
			$event = apply_filters( 'media_offload_event', $event );
			if ( is_array( $event ) ) {
				Queue::push( $event );
				$this->queued = true;
				++$queued;
			}
		}
		return $queued;
	}

	/**
	 * Whether a described file has its local copy, so an upload or edit event may name it. Pure.
	 *
	 * @param array $file Attachment_Files::describe() entry.
	 * @return bool
	 */
	public static function is_local_file( $file ) {
		return is_array( $file ) && empty( $file['remote_only'] );
	}

	/**
	 * Schedules a dispatch now and spawns WP-Cron without waiting for it.
	 */
	public static function wake() {
		self::schedule( time() );
		if ( ( defined( 'DISABLE_WP_CRON' ) && DISABLE_WP_CRON ) || wp_doing_cron() ) {
			return;
		}
		spawn_cron();
	}

	/**
	 * Schedules a dispatch at a time. One event per ten-second window, as WP-Cron drops near duplicates.
	 *
	 * @param int $when Unix seconds.
	 */
	public static function schedule( $when ) {
		$when = max( time(), (int) $when );
		$args = array( (int) floor( $when / 10 ) );
		if ( ! wp_next_scheduled( self::DISPATCH_HOOK, $args ) ) {
			wp_schedule_single_event( $when, self::DISPATCH_HOOK, $args );
		}
	}

	/**
	 * WP-Cron callback; the event's own argument only keeps scheduled events distinct.
	 */
	public static function run_cron() {
		self::dispatch();
	}

	/**
	 * WP-Cron, every five minutes: indexes attachments added while the plugin was inactive, then posts what is due.
	 */
	public static function sweep() {
		Manifest_Index::index_missing( 50 );
		self::dispatch();
	}

	/**
	 * Posts every due event. Runs from WP-Cron and from `wp media-offload` commands.
	 *
	 * @param int|null $budget Seconds to spend; default TIME_BUDGET.
	 * @return array{delivered:int, retrying:int, failed:int}
	 */
	public static function dispatch( $budget = null ) {
		$budget   = is_numeric( $budget ) && $budget > 0 ? (int) $budget : self::TIME_BUDGET;
		$deadline = time() + $budget;
		$stats    = array(
			'delivered' => 0,
			'retrying'  => 0,
			'failed'    => 0,
		);
		// Inert without intl (Requirements): the outbox is kept, nothing is posted.
		if ( ! Settings::can_send() || ! Requirements::met() ) {
			return $stats;
		}
		do {
			$rows = Queue::claim_due( 10, time() );
			foreach ( $rows as $index => $row ) {
				$event    = json_decode( $row['payload'], true );
				$attempts = (int) $row['attempts'] + 1;
				$result   = Client::request( 'POST', '/v1/events', $event );
				$status   = $result['status'];
				if ( $status >= 200 && $status < 300 ) {
					Queue::delivered( $row['id'] );
					++$stats['delivered'];
					self::log( $row, $status, isset( $result['body']['jobId'] ) ? (string) $result['body']['jobId'] : '', count( $event['files'] ?? array() ) );
					/**
					 * Fires after the service accepted an event.
					 *
					 * @param array $event  Event body.
					 * @param array $answer The service's answer: jobId and files.
					 */
					do_action( 'media_offload_event_delivered', $event, $result['body'] );
					continue;
				}
				$permanent = in_array( $status, array( 400, 413, 422 ), true );
				$next = Queue::failed( $row['id'], $attempts, (string) $result['error'], $permanent, time() );
				++$stats[ $permanent ? 'failed' : 'retrying' ];
				self::log( $row, $status, (string) $result['error'], count( $event['files'] ?? array() ) );
				/**
				 * Fires after an attempt to post an event failed.
				 *
				 * @param array  $event     Event body.
				 * @param string $error     What went wrong.
				 * @param bool   $permanent Whether the event was parked instead of retried.
				 */
				do_action( 'media_offload_event_failed', $event, (string) $result['error'], $permanent );
				if ( 0 === $status ) {
					// The service is unreachable: the rest waits for the same next attempt, untried.
					foreach ( array_slice( $rows, $index + 1 ) as $untried ) {
						Queue::release( $untried['id'], $next );
					}
					break 2;
				}
			}
		} while ( $rows && time() < $deadline );

		$next = Queue::next_due();
		if ( null !== $next ) {
			self::schedule( $next );
		}
		return $stats;
	}

	/**
	 * Keeps the last events for the status panel.
	 *
	 * @param array  $row    Queue row.
	 * @param int    $status HTTP status (0 when unreachable).
	 * @param string $detail Job id or error.
	 * @param int    $files  File count.
	 */
	private static function log( array $row, $status, $detail, $files ) {
		Capped_Log::push(
			self::LOG_OPTION,
			array(
				'time'         => time(),
				'type'         => $row['event_type'],
				'attachmentId' => (int) $row['attachment_id'],
				'files'        => (int) $files,
				'status'       => (int) $status,
				'detail'       => $detail,
			),
			self::LOG_SIZE
		);
	}
}
