<?php
/**
 * What became of each attachment's events: the job the service answered with, polled until it is finished.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Keeps, per attachment, the jobs its upload and edit events started, and polls the signed `GET /v1/jobs/{jobId}`
 * (docs/status.md) from WP-Cron until each job is done or failed, with backoff and a bound (docs/plugin.md, "Offload
 * status"). A failure the service calls retryable sends the event again through the outbox, a bounded number of times;
 * any other failure is only shown.
 *
 * Storage, all attachment meta, so deleting an attachment deletes its status with it:
 * - META: the whole record (jobs, per-file outcomes, the last send error, resends);
 * - STATE_META: its state as stored (offloaded, pending, failed, unknown), so states are counted with one query;
 * - NEXT_POLL_META: when its next job poll is due, so due jobs are found with one query. Absent when none is due.
 *
 * The outbox is the truth about what is still to be sent: view() and site_summary() read it beside the meta.
 */
class Job_Status {

	const META           = '_media_offload_status';
	const STATE_META     = '_media_offload_state';
	const NEXT_POLL_META = '_media_offload_next_poll';
	const POLL_HOOK      = 'media_offload_poll';

	const OFFLOADED = 'offloaded';
	const PENDING   = 'pending';
	const FAILED    = 'failed';
	const UNKNOWN   = 'unknown';
	const NONE      = 'none';

	/** First poll this many seconds after the service accepted the event; then doubling. */
	const FIRST_DELAY = 10;

	/** Longest wait between two polls of one job, in seconds. */
	const MAX_DELAY = 900;

	/** Polls of one job before it is given up as unknown ("stopped checking"). */
	const MAX_POLLS = 100;

	/** Age of a job, since it was sent, after which it is given up as unknown. */
	const MAX_AGE = 86400;

	/** Job polls per cron run. */
	const BATCH = 20;

	/** Seconds one cron run may spend polling. */
	const RUN_BUDGET = 20;

	/** Timeout of one poll, in seconds. */
	const POLL_TIMEOUT = 5;

	/** Automatic resends of an attachment whose job failed in a way the service calls retryable. */
	const MAX_RESENDS = 3;

	/** What POST /v1/events answers as a job id (docs/status.md); anything else is never put into a URL. */
	const JOB_ID = '/^j-[0-9a-f]{32}$/D';

	/** File statuses of a job answer (docs/status.md). */
	const FILE_STATUSES = array( 'pending', 'uploaded', 'unchanged', 'deleted', 'failed', 'refused' );

	/** Variant statuses of a job answer. */
	const VARIANT_STATUSES = array( 'made', 'pending', 'failed', 'none' );

	/** Job states of a job answer; 'unknown' is the plugin's own, for a job it stopped checking or cannot see. */
	const JOB_STATES = array( 'pending', 'done', 'failed', 'unknown' );

	/** Count fields of a job answer. */
	const COUNT_FIELDS = array( 'files', 'offloaded', 'pending', 'failed', 'refused', 'avif', 'webp', 'variantsPending', 'variantsFailed' );

	/** Event types whose jobs are followed; a delete leaves no attachment to show a status on. */
	const FOLLOWED_TYPES = array( 'attachment.uploaded', 'attachment.updated' );

	/** Longest path and reason kept, in bytes. */
	const MAX_TEXT = 1000;

	/**
	 * Outbox rows of this request's attachments, by id: see queue_row().
	 *
	 * @var array<int,array>|null
	 */
	private static $queue_rows = null;

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( 'media_offload_event_delivered', array( __CLASS__, 'on_delivered' ), 10, 2 );
		add_action( 'media_offload_event_failed', array( __CLASS__, 'on_failed' ), 10, 3 );
		add_action( self::POLL_HOOK, array( __CLASS__, 'run_cron' ) );
		// The five-minute sweep also polls, so a lost poll event delays a job by minutes, never forever.
		add_action( Events::SWEEP_HOOK, array( __CLASS__, 'run_cron' ), 20 );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_action( 'media_offload_event_delivered', array( __CLASS__, 'on_delivered' ), 10 );
		remove_action( 'media_offload_event_failed', array( __CLASS__, 'on_failed' ), 10 );
		remove_action( self::POLL_HOOK, array( __CLASS__, 'run_cron' ) );
		remove_action( Events::SWEEP_HOOK, array( __CLASS__, 'run_cron' ), 20 );
	}

	// -- Pure: schedule, answers, states ------------------------------------------------------------------------

	/**
	 * Seconds to wait after a job's poll number $polls (0 = before the first poll). Pure.
	 *
	 * @param int $polls Polls made so far.
	 * @param int $first First delay.
	 * @param int $max   Cap.
	 * @return int
	 */
	public static function backoff( $polls, $first = self::FIRST_DELAY, $max = self::MAX_DELAY ) {
		$polls = max( 0, (int) $polls );
		return max( 1, (int) min( $max, $first * pow( 2, min( 20, $polls ) ) ) );
	}

	/**
	 * A job's state from its files, by the rule of docs/status.md: pending while any file or variant is pending;
	 * else failed when any file is failed or refused or any variant failed; else done. Pure.
	 *
	 * @param array[] $files Normalised files.
	 * @return string pending, failed or done.
	 */
	public static function derive_state( array $files ) {
		$failed = false;
		foreach ( $files as $file ) {
			if ( 'pending' === $file['status'] ) {
				return 'pending';
			}
			$failed = $failed || in_array( $file['status'], array( 'failed', 'refused' ), true );
			foreach ( $file['variants'] as $variant ) {
				if ( 'pending' === $variant['status'] ) {
					return 'pending';
				}
				$failed = $failed || 'failed' === $variant['status'];
			}
		}
		return $failed ? 'failed' : 'done';
	}

	/**
	 * Whether sending the event again can help: some failure, and every failure a file's retryable one. A refused
	 * key and a rejected variant never are (docs/status.md). Pure.
	 *
	 * @param array[] $files Normalised files.
	 * @return bool
	 */
	public static function derive_retryable( array $files ) {
		$any = false;
		foreach ( $files as $file ) {
			if ( 'refused' === $file['status'] || ( 'failed' === $file['status'] && ! $file['retryable'] ) ) {
				return false;
			}
			$any = $any || 'failed' === $file['status'];
			foreach ( $file['variants'] as $variant ) {
				if ( 'failed' === $variant['status'] ) {
					return false;
				}
			}
		}
		return $any;
	}

	/**
	 * Counts of a job's files, as the service counts them (docs/status.md). Pure.
	 *
	 * @param array[] $files Normalised files.
	 * @return array<string,int>
	 */
	public static function count_files( array $files ) {
		$counts          = array_fill_keys( self::COUNT_FIELDS, 0 );
		$counts['files'] = count( $files );
		foreach ( $files as $file ) {
			if ( in_array( $file['status'], array( 'uploaded', 'unchanged', 'deleted' ), true ) ) {
				++$counts['offloaded'];
			} elseif ( in_array( $file['status'], array( 'pending', 'failed', 'refused' ), true ) ) {
				++$counts[ $file['status'] ];
			}
			foreach ( $file['variants'] as $variant ) {
				if ( 'made' === $variant['status'] && isset( $counts[ $variant['format'] ] ) ) {
					++$counts[ $variant['format'] ];
				} elseif ( 'pending' === $variant['status'] ) {
					++$counts['variantsPending'];
				} elseif ( 'failed' === $variant['status'] ) {
					++$counts['variantsFailed'];
				}
			}
		}
		return $counts;
	}

	/**
	 * The parts of a 200 answer of GET /v1/jobs/{jobId} the plugin keeps, checked and clipped: the service's text
	 * is data, and it ends up in admin pages (escaped there). Pure.
	 *
	 * @param mixed  $answer        Decoded JSON.
	 * @param string $job_id        The job asked about.
	 * @param int    $attachment_id The attachment it belongs to.
	 * @return array|null state, retryable, finishedAt, counts, files; null when the answer is not about this job.
	 */
	public static function normalize_answer( $answer, $job_id, $attachment_id ) {
		if ( ! is_array( $answer ) || ! isset( $answer['jobId'] ) || $answer['jobId'] !== $job_id ) {
			return null;
		}
		if ( isset( $answer['attachmentId'] ) && is_numeric( $answer['attachmentId'] ) && (int) $answer['attachmentId'] !== (int) $attachment_id ) {
			return null;
		}
		$files = array();
		foreach ( ( isset( $answer['files'] ) && is_array( $answer['files'] ) ) ? $answer['files'] : array() as $file ) {
			if ( ! is_array( $file ) || ! isset( $file['path'] ) || ! is_string( $file['path'] ) ) {
				continue;
			}
			$variants = array();
			foreach ( ( isset( $file['variants'] ) && is_array( $file['variants'] ) ) ? $file['variants'] : array() as $variant ) {
				if ( ! is_array( $variant ) ) {
					continue;
				}
				$variants[] = array(
					'format' => self::word( $variant['format'] ?? '' ),
					'status' => self::word( $variant['status'] ?? '', self::VARIANT_STATUSES ),
					'holds'  => self::word( $variant['holds'] ?? '' ),
					'reason' => self::text( $variant['reason'] ?? '' ),
				);
			}
			$files[] = array(
				'path'      => self::text( $file['path'] ),
				'status'    => self::word( $file['status'] ?? '', self::FILE_STATUSES ),
				'reason'    => self::text( $file['reason'] ?? '' ),
				'retryable' => isset( $file['retryable'] ) && true === $file['retryable'],
				'variants'  => $variants,
				// What the worker checked the object against: the removal of local copies requires it to be these
				// very bytes (docs/remote-only.md).
				'verified'  => isset( $file['verified'] ) && true === $file['verified'],
				'bytes'     => isset( $file['bytes'] ) && is_int( $file['bytes'] ) && $file['bytes'] >= 0 ? $file['bytes'] : null,
				'md5'       => isset( $file['md5'] ) && is_string( $file['md5'] ) && 1 === preg_match( '/^[0-9a-f]{32}$/Di', $file['md5'] ) ? strtolower( $file['md5'] ) : '',
			);
		}
		$state = isset( $answer['state'] ) && in_array( $answer['state'], array( 'pending', 'done', 'failed' ), true ) ? $answer['state'] : self::derive_state( $files );
		if ( 'failed' === $state ) {
			$retryable = isset( $answer['retryable'] ) ? true === $answer['retryable'] : self::derive_retryable( $files );
		} else {
			$retryable = false;
		}
		$counts = self::count_files( $files );
		if ( isset( $answer['counts'] ) && is_array( $answer['counts'] ) ) {
			foreach ( self::COUNT_FIELDS as $field ) {
				if ( isset( $answer['counts'][ $field ] ) && is_int( $answer['counts'][ $field ] ) && $answer['counts'][ $field ] >= 0 ) {
					$counts[ $field ] = $answer['counts'][ $field ];
				}
			}
		}
		return array(
			'state'      => $state,
			'retryable'  => $retryable,
			'finishedAt' => isset( $answer['finishedAt'] ) && is_string( $answer['finishedAt'] ) ? self::text( $answer['finishedAt'], 40 ) : '',
			'counts'     => $counts,
			'files'      => $files,
		);
	}

	/**
	 * A job as recorded when the service accepted its event. Pure.
	 *
	 * @param string   $job_id Job id ('' when the service named none).
	 * @param string   $type   Event type.
	 * @param string[] $paths  The event's paths.
	 * @param int      $now    Unix seconds.
	 * @param int      $delay  Seconds to the first poll.
	 * @return array
	 */
	public static function new_job( $job_id, $type, array $paths, $now, $delay ) {
		$valid  = 1 === preg_match( self::JOB_ID, (string) $job_id );
		$counts = array_fill_keys( self::COUNT_FIELDS, 0 );

		$counts['files']   = count( $paths );
		$counts['pending'] = count( $paths );
		return array(
			'jobId'      => $valid ? (string) $job_id : '',
			'type'       => (string) $type,
			'sentAt'     => (int) $now,
			'state'      => $valid ? 'pending' : 'unknown',
			'reason'     => $valid ? '' : 'no_job',
			'retryable'  => false,
			'finishedAt' => '',
			'counts'     => $counts,
			'files'      => array(),
			'paths'      => array_values( array_map( array( __CLASS__, 'text' ), $paths ) ),
			'polls'      => 0,
			'nextPollAt' => $valid ? (int) $now + max( 1, (int) $delay ) : 0,
			'checkedAt'  => 0,
			'lastError'  => '',
		);
	}

	/**
	 * A job after one poll. Pure.
	 *
	 * - 200 about this job: its state; polled again later while pending.
	 * - 404: unknown for good (expired after 14 days, or not this site's: docs/status.md); 400 likewise.
	 * - Anything else (unreachable, 401, 5xx, an answer about another job): tried again later.
	 * A job still to be polled after MAX_POLLS polls or MAX_AGE seconds is given up: unknown, "stopped".
	 *
	 * @param array $job           The job.
	 * @param array $result        Client::request() result: status, body, error.
	 * @param int   $attachment_id Its attachment.
	 * @param int   $now           Unix seconds.
	 * @param int   $delay         Seconds to the next poll, should one be needed.
	 * @return array
	 */
	public static function apply_poll( array $job, array $result, $attachment_id, $now, $delay ) {
		$job['polls']     = (int) $job['polls'] + 1;
		$job['checkedAt'] = (int) $now;
		$status           = (int) $result['status'];
		$answer           = 200 === $status ? self::normalize_answer( $result['body'], $job['jobId'], $attachment_id ) : null;
		if ( null !== $answer ) {
			$job              = array_merge( $job, $answer );
			$job['reason']    = '';
			$job['lastError'] = '';
		} elseif ( 404 === $status || 400 === $status ) {
			$job['state']     = 'unknown';
			$job['reason']    = 404 === $status ? 'not_found' : 'bad_id';
			$job['retryable'] = false;
			$job['lastError'] = self::text( (string) $result['error'] );
		} else {
			$job['lastError'] = self::text( 200 === $status ? 'HTTP 200: the answer is not about this job' : (string) $result['error'] );
		}
		$job['nextPollAt'] = 'pending' === $job['state'] ? (int) $now + max( 1, (int) $delay ) : 0;
		if ( $job['nextPollAt'] && ( $job['polls'] >= self::MAX_POLLS || $now - (int) $job['sentAt'] >= self::MAX_AGE ) ) {
			$job['state']      = 'unknown';
			$job['reason']     = 'stopped';
			$job['nextPollAt'] = 0;
		}
		return $job;
	}

	/**
	 * Whether an attachment's event should be sent again after its job's poll: the job failed, the service says
	 * sending again can help, and fewer than MAX_RESENDS automatic resends were made. Pure.
	 *
	 * @param array $job     The job.
	 * @param int   $resends Automatic resends made so far.
	 * @return bool
	 */
	public static function should_resend( array $job, $resends ) {
		return 'failed' === $job['state'] && ! empty( $job['retryable'] ) && (int) $resends < self::MAX_RESENDS;
	}

	/**
	 * The record with a newly accepted job: it replaces every job of the same files (an older send of the same or an
	 * earlier version of the attachment), and keeps the jobs of its other chunks (an attachment with more files than
	 * an event takes). Pure.
	 *
	 * @param array $status The record.
	 * @param array $job    new_job().
	 * @return array
	 */
	public static function with_job( array $status, array $job ) {
		$status = self::shape( $status );
		foreach ( $status['jobs'] as $key => $old ) {
			if ( ( '' !== $job['jobId'] && $old['jobId'] === $job['jobId'] ) || array_intersect( $old['paths'], $job['paths'] ) ) {
				unset( $status['jobs'][ $key ] );
			}
		}
		$status['jobs'][]    = $job;
		$status['jobs']      = array_values( $status['jobs'] );
		$status['sendError'] = null;
		return $status;
	}

	/**
	 * A record with every field, whatever was stored. Pure.
	 *
	 * @param mixed $status Stored record.
	 * @return array
	 */
	public static function shape( $status ) {
		$status = is_array( $status ) ? $status : array();
		$jobs   = array();
		foreach ( ( isset( $status['jobs'] ) && is_array( $status['jobs'] ) ) ? $status['jobs'] : array() as $job ) {
			if ( is_array( $job ) && isset( $job['jobId'], $job['state'], $job['paths'], $job['counts'], $job['files'] ) ) {
				$jobs[] = $job;
			}
		}
		return array(
			'jobs'        => $jobs,
			'sendError'   => isset( $status['sendError'] ) && is_array( $status['sendError'] ) ? $status['sendError'] : null,
			'resends'     => isset( $status['resends'] ) ? (int) $status['resends'] : 0,
			'resentAt'    => isset( $status['resentAt'] ) ? (int) $status['resentAt'] : 0,
			'resentBy'    => isset( $status['resentBy'] ) ? (string) $status['resentBy'] : '',
		);
	}

	/**
	 * The state of a record on its own, without the outbox: what STATE_META holds. Pure.
	 *
	 * @param array $status shape()d record.
	 * @return string One of OFFLOADED, PENDING, FAILED, UNKNOWN, NONE.
	 */
	public static function stored_state( array $status ) {
		if ( ! empty( $status['sendError']['permanent'] ) ) {
			return self::FAILED;
		}
		if ( ! $status['jobs'] ) {
			return self::NONE;
		}
		$states = array_column( $status['jobs'], 'state' );
		foreach ( array( 'pending' => self::PENDING, 'failed' => self::FAILED, 'unknown' => self::UNKNOWN ) as $job_state => $state ) {
			if ( in_array( $job_state, $states, true ) ) {
				return $state;
			}
		}
		return self::OFFLOADED;
	}

	/**
	 * Earliest due poll of a record, or 0. Pure.
	 *
	 * @param array $status shape()d record.
	 * @return int
	 */
	public static function next_poll( array $status ) {
		$next = 0;
		foreach ( $status['jobs'] as $job ) {
			if ( 'pending' === $job['state'] && (int) $job['nextPollAt'] > 0 && ( 0 === $next || (int) $job['nextPollAt'] < $next ) ) {
				$next = (int) $job['nextPollAt'];
			}
		}
		return $next;
	}

	/**
	 * What to show for an attachment: its record and its rows in the outbox, combined. Pure.
	 *
	 * The outbox comes first: an event still waiting there (or refused by the service) is what happens next. Then
	 * a refusal the record kept, then its jobs.
	 *
	 * @param mixed      $status Stored record.
	 * @param array|null $queue  queue_row(): status (pending or failed), attempts, last_error; null when none.
	 * @return array state, counts, formats, reason, reasonCode, waiting, attempts, files, jobs, resends, resendsLeft,
	 *               checkedAt.
	 */
	public static function view( $status, $queue = null ) {
		$status = self::shape( $status );
		$counts = array_fill_keys( self::COUNT_FIELDS, 0 );
		$files  = array();
		$jobs   = array();
		$check  = 0;
		$reason = '';
		$code   = '';
		$fmts   = array();
		foreach ( $status['jobs'] as $job ) {
			foreach ( self::COUNT_FIELDS as $field ) {
				$counts[ $field ] += isset( $job['counts'][ $field ] ) ? (int) $job['counts'][ $field ] : 0;
			}
			$job_files = $job['files'];
			if ( ! $job_files ) {
				foreach ( $job['paths'] as $path ) {
					$job_files[] = array(
						'path'      => $path,
						'status'    => 'unknown' === $job['state'] ? 'unknown' : 'pending',
						'reason'    => '',
						'retryable' => false,
						'variants'  => array(),
					);
				}
			}
			foreach ( $job_files as $file ) {
				$files[] = $file;
				foreach ( $file['variants'] as $variant ) {
					if ( 'none' !== $variant['status'] && '' !== $variant['format'] ) {
						$fmts[ $variant['format'] ] = true;
					}
				}
			}
			$check  = max( $check, (int) $job['checkedAt'] );
			$jobs[] = array(
				'jobId'      => $job['jobId'],
				'type'       => $job['type'],
				'state'      => $job['state'],
				'reason'     => $job['reason'],
				'retryable'  => ! empty( $job['retryable'] ),
				'sentAt'     => (int) $job['sentAt'],
				'checkedAt'  => (int) $job['checkedAt'],
				'nextPollAt' => (int) $job['nextPollAt'],
				'polls'      => (int) $job['polls'],
				'lastError'  => (string) $job['lastError'],
			);
		}
		$state = self::stored_state( $status );
		if ( self::FAILED === $state && ! empty( $status['sendError']['permanent'] ) ) {
			$code   = 'refused_event';
			$reason = (string) $status['sendError']['reason'];
		} elseif ( self::FAILED === $state ) {
			list( $code, $reason ) = self::first_failure( $files );
		} elseif ( self::UNKNOWN === $state ) {
			foreach ( $jobs as $job ) {
				if ( 'unknown' === $job['state'] ) {
					$code = $job['reason'];
					break;
				}
			}
		}
		$waiting  = false;
		$attempts = 0;
		if ( is_array( $queue ) ) {
			$attempts = (int) $queue['attempts'];
			if ( 'pending' === $queue['status'] ) {
				$state   = self::PENDING;
				$waiting = true;
				$code    = $attempts > 0 ? 'send_retrying' : 'queued';
				$reason  = $attempts > 0 ? (string) $queue['last_error'] : '';
			} else {
				$state  = self::FAILED;
				$code   = 'refused_event';
				$reason = (string) $queue['last_error'];
			}
		}
		return array(
			'state'       => $state,
			'counts'      => $counts,
			'formats'     => array_keys( $fmts ),
			'reason'      => $reason,
			'reasonCode'  => $code,
			'waiting'     => $waiting,
			'attempts'    => $attempts,
			'files'       => $files,
			'jobs'        => $jobs,
			'resends'     => $status['resends'],
			'resendsLeft' => max( 0, self::MAX_RESENDS - $status['resends'] ),
			'checkedAt'   => $check,
		);
	}

	/**
	 * The first failure among files: a file's, else a variant's. Pure.
	 *
	 * @param array[] $files Files.
	 * @return array{0:string,1:string} A code (file_failed, file_refused, variant_failed) and "name: reason".
	 */
	public static function first_failure( array $files ) {
		foreach ( $files as $file ) {
			if ( in_array( $file['status'], array( 'failed', 'refused' ), true ) ) {
				return array( 'file_' . $file['status'], self::join_reason( basename( $file['path'] ), $file['reason'] ) );
			}
		}
		foreach ( $files as $file ) {
			foreach ( $file['variants'] as $variant ) {
				if ( 'failed' === $variant['status'] ) {
					return array( 'variant_failed', self::join_reason( basename( $file['path'] ) . ' (' . self::format_name( $variant['format'] ) . ')', $variant['reason'] ) );
				}
			}
		}
		return array( '', '' );
	}

	/**
	 * How a variant format is written for people: AVIF, WebP. Pure.
	 *
	 * @param string $format Format.
	 * @return string
	 */
	public static function format_name( $format ) {
		$names = array(
			'avif' => 'AVIF',
			'webp' => 'WebP',
		);
		return isset( $names[ $format ] ) ? $names[ $format ] : strtoupper( (string) $format );
	}

	/**
	 * "name: reason", or the name alone. Pure.
	 *
	 * @param string $name   Name.
	 * @param string $reason Reason.
	 * @return string
	 */
	private static function join_reason( $name, $reason ) {
		return '' === (string) $reason ? (string) $name : $name . ': ' . $reason;
	}

	/**
	 * A lower-case word from the service, or, when $allowed is given and it is not one of them, 'unknown'. Pure.
	 *
	 * @param mixed         $value   Value.
	 * @param string[]|null $allowed Allowed values.
	 * @return string
	 */
	private static function word( $value, $allowed = null ) {
		$value = is_string( $value ) ? strtolower( substr( $value, 0, 40 ) ) : '';
		$value = (string) preg_replace( '/[^a-z0-9_-]/', '', $value );
		if ( null !== $allowed && ! in_array( $value, $allowed, true ) ) {
			return 'unknown';
		}
		return $value;
	}

	/**
	 * Text from the service, clipped to valid UTF-8 of at most $max bytes, without control characters. Pure.
	 *
	 * @param mixed $value Value.
	 * @param int   $max   Bytes.
	 * @return string
	 */
	public static function text( $value, $max = self::MAX_TEXT ) {
		if ( ! is_scalar( $value ) ) {
			return '';
		}
		$value = (string) $value;
		if ( ! preg_match( '//u', $value ) ) {
			$value = mb_convert_encoding( $value, 'UTF-8', 'UTF-8' );
		}
		$value = (string) preg_replace( '/[\x00-\x1F\x7F]+/u', ' ', $value );
		if ( strlen( $value ) > $max ) {
			$value = mb_strcut( $value, 0, $max, 'UTF-8' );
		}
		return $value;
	}

	// -- WordPress: recording, polling, resending ---------------------------------------------------------------

	/**
	 * The service accepted an event: record its job and schedule the first poll.
	 *
	 * @param array $event  Event body.
	 * @param mixed $answer The 202 answer: jobId and files.
	 */
	public static function on_delivered( $event, $answer ) {
		$attachment_id = self::followed_attachment( $event );
		if ( ! $attachment_id ) {
			return;
		}
		$paths  = array_map(
			function ( $file ) {
				return is_array( $file ) && isset( $file['path'] ) ? (string) $file['path'] : '';
			},
			isset( $event['files'] ) && is_array( $event['files'] ) ? $event['files'] : array()
		);
		$job_id = is_array( $answer ) && isset( $answer['jobId'] ) && is_string( $answer['jobId'] ) ? $answer['jobId'] : '';
		$job    = self::new_job( $job_id, $event['type'], array_filter( $paths, 'strlen' ), time(), self::poll_delay( 0 ) );
		self::save( $attachment_id, self::with_job( self::load( $attachment_id ), $job ) );
	}

	/**
	 * An attempt to send an event failed: keep why. A refusal (400, 413, 422) is the attachment's failure until it
	 * is sent again; a transient error is shown from the outbox, which retries it.
	 *
	 * @param array  $event     Event body.
	 * @param string $error     What went wrong.
	 * @param bool   $permanent Whether the outbox parked it.
	 */
	public static function on_failed( $event, $error, $permanent ) {
		$attachment_id = self::followed_attachment( $event );
		if ( ! $attachment_id ) {
			return;
		}
		$status              = self::load( $attachment_id );
		$status['sendError'] = array(
			'reason'    => self::text( (string) $error ),
			'permanent' => (bool) $permanent,
			'at'        => time(),
		);
		self::save( $attachment_id, $status );
	}

	/**
	 * The attachment of an upload or edit event that still exists, or 0.
	 *
	 * @param mixed $event Event body.
	 * @return int
	 */
	private static function followed_attachment( $event ) {
		if ( ! is_array( $event ) || ! in_array( $event['type'] ?? '', self::FOLLOWED_TYPES, true ) || empty( $event['attachmentId'] ) ) {
			return 0;
		}
		$post = get_post( (int) $event['attachmentId'] );
		return $post && 'attachment' === $post->post_type ? (int) $post->ID : 0;
	}

	/**
	 * The delay before a job's next poll, filterable.
	 *
	 * @param int $polls Polls made so far.
	 * @return int Seconds.
	 */
	public static function poll_delay( $polls ) {
		/**
		 * Filters the delay before the next poll of a job's status.
		 *
		 * @param int $delay Seconds.
		 * @param int $polls Polls made so far.
		 */
		return max( 1, (int) apply_filters( 'media_offload_poll_delay', self::backoff( $polls ), $polls ) );
	}

	/**
	 * An attachment's stored record.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return array shape()d.
	 */
	public static function load( $attachment_id ) {
		return self::shape( get_post_meta( (int) $attachment_id, self::META, true ) );
	}

	/**
	 * Stores a record with its state and next poll, and schedules that poll.
	 *
	 * @param int   $attachment_id Attachment ID.
	 * @param array $status        shape()d record.
	 */
	public static function save( $attachment_id, array $status ) {
		$attachment_id = (int) $attachment_id;
		update_post_meta( $attachment_id, self::META, $status );
		$state = self::stored_state( $status );
		if ( self::NONE === $state ) {
			delete_post_meta( $attachment_id, self::STATE_META );
		} else {
			update_post_meta( $attachment_id, self::STATE_META, $state );
		}
		$next = self::next_poll( $status );
		if ( $next ) {
			update_post_meta( $attachment_id, self::NEXT_POLL_META, (string) $next );
			self::schedule( $next );
		} else {
			delete_post_meta( $attachment_id, self::NEXT_POLL_META );
		}
	}

	/**
	 * Schedules a poll run by $when, unless one is scheduled by then already: every run schedules the next one due
	 * when it ends, so one event is enough, and fewer writes of the cron option leave fewer chances for two requests
	 * to overwrite each other's events (the five-minute sweep polls too, should one be lost).
	 *
	 * @param int $when Unix seconds.
	 */
	public static function schedule( $when ) {
		$when = max( time(), (int) $when );
		foreach ( (array) _get_cron_array() as $timestamp => $hooks ) {
			if ( (int) $timestamp > $when ) {
				break;
			}
			if ( isset( $hooks[ self::POLL_HOOK ] ) ) {
				return;
			}
		}
		$args = array( (int) floor( $when / 10 ) );
		if ( ! wp_next_scheduled( self::POLL_HOOK, $args ) ) {
			wp_schedule_single_event( $when, self::POLL_HOOK, $args );
		}
	}

	/**
	 * WP-Cron: polls what is due.
	 */
	public static function run_cron() {
		self::poll_due();
	}

	/**
	 * Polls up to BATCH due jobs, within RUN_BUDGET seconds, then schedules the next run.
	 *
	 * @return int Polls made.
	 */
	public static function poll_due() {
		if ( ! Settings::can_send() || ! Requirements::met() ) {
			return 0;
		}
		$deadline = time() + self::RUN_BUDGET;
		$made     = 0;
		foreach ( self::due_attachments( time(), self::BATCH ) as $attachment_id ) {
			$made += self::poll_attachment( $attachment_id, false, self::BATCH - $made );
			if ( $made >= self::BATCH || time() >= $deadline ) {
				break;
			}
		}
		$next = self::next_due();
		if ( null !== $next ) {
			self::schedule( $next );
		}
		return $made;
	}

	/**
	 * Polls an attachment's jobs: those due, or all of them ($force, `wp media-offload status --refresh`). Then sends
	 * its event again when a job failed in a way the service calls retryable, at most MAX_RESENDS times.
	 *
	 * @param int  $attachment_id Attachment ID.
	 * @param bool $force         Poll every job with an id now, due or not.
	 * @param int  $max           Most polls.
	 * @return int Polls made.
	 */
	public static function poll_attachment( $attachment_id, $force = false, $max = self::BATCH ) {
		$status = self::load( $attachment_id );
		$made   = 0;
		$resend = false;
		foreach ( $status['jobs'] as $i => $job ) {
			if ( $made >= $max || '' === $job['jobId'] ) {
				continue;
			}
			if ( ! $force && ( 'pending' !== $job['state'] || (int) $job['nextPollAt'] <= 0 || (int) $job['nextPollAt'] > time() ) ) {
				continue;
			}
			$result = Client::request( 'GET', '/v1/jobs/' . $job['jobId'], null, self::POLL_TIMEOUT );
			$job    = self::apply_poll( $job, $result, $attachment_id, time(), self::poll_delay( (int) $job['polls'] + 1 ) );
			++$made;
			$status['jobs'][ $i ] = $job;
			$resend               = $resend || self::should_resend( $job, $status['resends'] );
		}
		if ( ! $made ) {
			// Nothing was due after all (a poll meta left behind): store the record again, which puts it right.
			if ( ! $force ) {
				self::save( $attachment_id, $status );
			}
		} else {
			if ( $resend ) {
				++$status['resends'];
				$status['resentAt'] = time();
				$status['resentBy'] = 'auto';
			}
			self::save( $attachment_id, $status );
			if ( $resend ) {
				Events::resend( $attachment_id );
			}
		}
		return $made;
	}

	/**
	 * "Send to offload again": queues the attachment's upload event now. A resend by hand resets the automatic
	 * resends, and polling starts afresh when the service accepts it.
	 *
	 * @param int  $attachment_id Attachment ID.
	 * @param bool $wake          Whether to wake WP-Cron now (false when the caller queues more and wakes it once).
	 * @return int Events queued (0 when it owns no offloadable file, or nothing can be sent).
	 */
	public static function resend_by_hand( $attachment_id, $wake = true ) {
		$queued = Events::resend( $attachment_id, $wake );
		if ( $queued ) {
			$status             = self::load( $attachment_id );
			$status['resends']  = 0;
			$status['resentAt'] = time();
			$status['resentBy'] = 'hand';
			self::save( $attachment_id, $status );
		}
		return $queued;
	}

	/**
	 * Attachments with a poll due, soonest first.
	 *
	 * @param int $now   Unix seconds.
	 * @param int $limit Most.
	 * @return int[]
	 */
	public static function due_attachments( $now, $limit ) {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$ids = $wpdb->get_col( $wpdb->prepare( "SELECT post_id FROM {$wpdb->postmeta} WHERE meta_key = %s AND CAST(meta_value AS UNSIGNED) <= %d ORDER BY CAST(meta_value AS UNSIGNED) ASC, post_id ASC LIMIT %d", self::NEXT_POLL_META, (int) $now, (int) $limit ) );
		return array_map( 'intval', $ids );
	}

	/**
	 * The earliest due poll of any attachment, or null.
	 *
	 * @return int|null
	 */
	public static function next_due() {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$next = $wpdb->get_var( $wpdb->prepare( "SELECT MIN(CAST(meta_value AS UNSIGNED)) FROM {$wpdb->postmeta} WHERE meta_key = %s", self::NEXT_POLL_META ) );
		return null === $next ? null : (int) $next;
	}

	/**
	 * An attachment's upload and edit events in the outbox, folded into one row: pending when any is (it will be
	 * sent), else failed (refused by the service); null when none waits. All of them are read once per request.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return array|null status, attempts, last_error.
	 */
	public static function queue_row( $attachment_id ) {
		if ( null === self::$queue_rows ) {
			global $wpdb;
			$table = Schema::queue_table();
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
			$rows             = $wpdb->get_results( $wpdb->prepare( "SELECT id, attachment_id, status, attempts, last_error FROM {$table} WHERE event_type <> %s ORDER BY id ASC", 'attachment.deleted' ), ARRAY_A );
			self::$queue_rows = array();
			foreach ( (array) $rows as $row ) {
				$id   = (int) $row['attachment_id'];
				$prev = isset( self::$queue_rows[ $id ] ) ? self::$queue_rows[ $id ] : null;
				// A pending row wins over a refused one, and the later of two rows of the same kind.
				if ( null === $prev || Queue::PENDING === $row['status'] || Queue::FAILED === $prev['status'] ) {
					self::$queue_rows[ $id ] = array(
						'status'     => Queue::PENDING === $row['status'] ? 'pending' : 'failed',
						'attempts'   => (int) $row['attempts'],
						'last_error' => (string) $row['last_error'],
					);
				}
			}
		}
		return isset( self::$queue_rows[ (int) $attachment_id ] ) ? self::$queue_rows[ (int) $attachment_id ] : null;
	}

	/**
	 * Forgets the outbox rows read by queue_row(), after this request changed the outbox.
	 */
	public static function forget_queue() {
		self::$queue_rows = null;
	}

	/**
	 * An attachment's view(): its record and the outbox, and how many of its files are remote-only (`remoteOnly`):
	 * they are in the bucket, and an edit's job no longer names them (docs/remote-only.md).
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return array
	 */
	public static function attachment_view( $attachment_id ) {
		$view  = self::view( get_post_meta( (int) $attachment_id, self::META, true ), self::queue_row( $attachment_id ) );
		$files = get_post_meta( (int) $attachment_id, Attachment_Files::META, true );
		$view['remoteOnly'] = count( array_filter( is_array( $files ) ? $files : array(), array( Attachment_Files::class, 'is_remote_record' ) ) );
		return $view;
	}

	/**
	 * Counts of the current site's attachments by offload state, and its last backfill report, for the status panel
	 * and the network admin (called inside switch_to_blog()).
	 *
	 * An attachment with an upload or edit event in the outbox counts as pending (or failed, when the service refused
	 * it); every other one by its stored state. Attachments no event was ever sent for (older than the plugin, and
	 * offloaded by a backfill if at all) are in none of the counts.
	 *
	 * @return array{offloaded:int, pending:int, failed:int, unknown:int, last_report:array|null}
	 */
	public static function site_summary() {
		global $wpdb;
		$counts = array(
			self::OFFLOADED => 0,
			self::PENDING   => 0,
			self::FAILED    => 0,
			self::UNKNOWN   => 0,
		);
		$table = Schema::queue_table();
		// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names only.
		// A site of a network that has not served a request since the plugin was activated has no outbox yet.
		if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) ) !== $table ) {
			$stored = $wpdb->get_results( $wpdb->prepare( "SELECT m.meta_value AS state, COUNT(*) AS n FROM {$wpdb->postmeta} m INNER JOIN {$wpdb->posts} p ON p.ID = m.post_id AND p.post_type = 'attachment' WHERE m.meta_key = %s GROUP BY m.meta_value", self::STATE_META ), ARRAY_A );
			$queued = array();
		} else {
			$stored = $wpdb->get_results( $wpdb->prepare( "SELECT m.meta_value AS state, COUNT(*) AS n FROM {$wpdb->postmeta} m INNER JOIN {$wpdb->posts} p ON p.ID = m.post_id AND p.post_type = 'attachment' WHERE m.meta_key = %s AND m.post_id NOT IN (SELECT attachment_id FROM {$table} WHERE event_type <> %s) GROUP BY m.meta_value", self::STATE_META, 'attachment.deleted' ), ARRAY_A );
			$queued = $wpdb->get_results( $wpdb->prepare( "SELECT IF(w.waiting, %s, %s) AS state, COUNT(*) AS n FROM (SELECT q.attachment_id, MAX(q.status = %s) AS waiting FROM {$table} q INNER JOIN {$wpdb->posts} p ON p.ID = q.attachment_id AND p.post_type = 'attachment' WHERE q.event_type <> %s GROUP BY q.attachment_id) w GROUP BY state", self::PENDING, self::FAILED, Queue::PENDING, 'attachment.deleted' ), ARRAY_A );
		}
		// phpcs:enable
		foreach ( array_merge( (array) $stored, (array) $queued ) as $row ) {
			if ( isset( $counts[ $row['state'] ] ) ) {
				$counts[ $row['state'] ] += (int) $row['n'];
			}
		}
		$counts['last_report'] = Reports::cached();
		return $counts;
	}
}
