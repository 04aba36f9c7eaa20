<?php
/**
 * Reports of reconcile and backfill runs, read back from the service.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Fetches `reports/{runId}.json` through the signed `GET /v1/reports/{runId}` (docs/status.md) and keeps the last
 * backfill's report in the option CACHE_OPTION, for the status panel, `wp media-offload status` and the network admin.
 *
 * A report is final once it exists, so a found report is never fetched again. Until then it is asked for from
 * WP-Cron with backoff (REPORT_HOOK, and the five-minute sweep) for AUTO_WINDOW seconds after the backfill started,
 * and on a visit to the status panel at most every PAGE_INTERVAL seconds with a PAGE_TIMEOUT-second timeout, so the
 * page never waits long for the service.
 */
class Reports {

	const CACHE_OPTION = 'media_offload_last_report';
	const REPORT_HOOK  = 'media_offload_report';

	/** What POST /v1/backfill and the schedule name runs (docs/status.md). */
	const RUN_ID = '/^(?:reconcile|backfill)-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$/D';

	/** First check after a backfill starts, then doubling, in seconds. */
	const FIRST_DELAY = 30;

	/** Longest wait between two checks from WP-Cron. */
	const MAX_DELAY = 900;

	/** How long after a backfill started WP-Cron keeps asking for its report. */
	const AUTO_WINDOW = 172800;

	/** A visit to the status panel asks again at most this often, in seconds. */
	const PAGE_INTERVAL = 15;

	/** The status panel's timeout, in seconds. */
	const PAGE_TIMEOUT = 3;

	/** Failures kept and shown. */
	const MAX_FAILURES = 50;

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( self::REPORT_HOOK, array( __CLASS__, 'run_cron' ) );
		add_action( Events::SWEEP_HOOK, array( __CLASS__, 'run_cron' ), 30 );
		// A backfill started (Admin::remember_backfill()): ask for its report soon.
		add_action( 'add_option_' . Admin::BACKFILL_OPTION, array( __CLASS__, 'backfill_started' ) );
		add_action( 'update_option_' . Admin::BACKFILL_OPTION, array( __CLASS__, 'backfill_started' ) );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_action( self::REPORT_HOOK, array( __CLASS__, 'run_cron' ) );
		remove_action( Events::SWEEP_HOOK, array( __CLASS__, 'run_cron' ), 30 );
		remove_action( 'add_option_' . Admin::BACKFILL_OPTION, array( __CLASS__, 'backfill_started' ) );
		remove_action( 'update_option_' . Admin::BACKFILL_OPTION, array( __CLASS__, 'backfill_started' ) );
	}

	// -- Pure --------------------------------------------------------------------------------------------------------

	/**
	 * Whether a run id may be put into the route. Pure.
	 *
	 * @param mixed $run_id Run id.
	 * @return bool
	 */
	public static function is_run_id( $run_id ) {
		return is_string( $run_id ) && 1 === preg_match( self::RUN_ID, $run_id );
	}

	/**
	 * What the plugin keeps of a report: counts per action, drift, in sync, the first failures; all checked. Pure.
	 *
	 * @param mixed $report The service's answer.
	 * @return array|null Null when it is not a report.
	 */
	public static function shape( $report ) {
		if ( ! is_array( $report ) ) {
			return null;
		}
		$counts = function ( $group ) use ( $report ) {
			$out = array();
			foreach ( ( isset( $report[ $group ] ) && is_array( $report[ $group ] ) ) ? $report[ $group ] : array() as $action => $count ) {
				if ( is_int( $count ) && $count >= 0 ) {
					$out[ Job_Status::text( (string) $action, 60 ) ] = $count;
				}
			}
			return $out;
		};
		$failures = array();
		foreach ( ( isset( $report['failures'] ) && is_array( $report['failures'] ) ) ? $report['failures'] : array() as $failure ) {
			if ( count( $failures ) >= self::MAX_FAILURES ) {
				break;
			}
			if ( is_array( $failure ) ) {
				$failures[] = array(
					'key'    => Job_Status::text( $failure['key'] ?? '' ),
					'action' => Job_Status::text( $failure['action'] ?? '', 60 ),
					'reason' => Job_Status::text( $failure['reason'] ?? '' ),
				);
			}
		}
		return array(
			'runId'        => Job_Status::text( $report['runId'] ?? '', 80 ),
			'command'      => Job_Status::text( $report['command'] ?? '', 40 ),
			'dryRun'       => isset( $report['dryRun'] ) && true === $report['dryRun'],
			'startedAt'    => Job_Status::text( $report['startedAt'] ?? '', 40 ),
			'finishedAt'   => Job_Status::text( $report['finishedAt'] ?? '', 40 ),
			'planned'      => $counts( 'planned' ),
			'done'         => $counts( 'done' ),
			'drift'        => isset( $report['drift'] ) && is_int( $report['drift'] ) ? $report['drift'] : null,
			'inSync'       => isset( $report['inSync'] ) && is_bool( $report['inSync'] ) ? $report['inSync'] : null,
			'failureCount' => isset( $report['failureCount'] ) && is_int( $report['failureCount'] ) ? $report['failureCount'] : count( $failures ),
			'failures'     => $failures,
		);
	}

	/**
	 * Rows of planned and done counts by action, every action either names, in name order. Pure.
	 *
	 * @param array $report shape()d report.
	 * @return array[] Each: action, planned, done.
	 */
	public static function action_rows( array $report ) {
		$actions = array_unique( array_merge( array_keys( $report['planned'] ), array_keys( $report['done'] ) ) );
		sort( $actions, SORT_STRING );
		$rows = array();
		foreach ( $actions as $action ) {
			$rows[] = array(
				'action'  => (string) $action,
				'planned' => isset( $report['planned'][ $action ] ) ? (int) $report['planned'][ $action ] : 0,
				'done'    => isset( $report['done'][ $action ] ) ? (int) $report['done'][ $action ] : 0,
			);
		}
		return $rows;
	}

	/**
	 * The cache after a fetch. Pure.
	 *
	 * @param array|null $cache  The cache before, for the same run (or null).
	 * @param string     $run_id Run id.
	 * @param array      $result Client::request() result.
	 * @param int        $now    Unix seconds.
	 * @return array runId, state (found, missing, error), report, error, checks, checkedAt, nextCheckAt.
	 */
	public static function after_fetch( $cache, $run_id, array $result, $now ) {
		$checks = is_array( $cache ) && isset( $cache['runId'], $cache['checks'] ) && $cache['runId'] === $run_id ? (int) $cache['checks'] + 1 : 1;
		$report = 200 === (int) $result['status'] ? self::shape( $result['body'] ) : null;
		if ( $report && '' !== $report['runId'] && $report['runId'] !== $run_id ) {
			$report = null;
		}
		if ( $report ) {
			$state = 'found';
			$error = '';
		} elseif ( 404 === (int) $result['status'] ) {
			$state = 'missing';
			$error = '';
		} else {
			$state = 'error';
			$error = Job_Status::text( 200 === (int) $result['status'] ? 'HTTP 200: not a report of this run' : (string) $result['error'] );
		}
		return array(
			'runId'       => $run_id,
			'state'       => $state,
			'report'      => $report,
			'error'       => $error,
			'checks'      => $checks,
			'checkedAt'   => (int) $now,
			'nextCheckAt' => 'found' === $state ? 0 : (int) $now + min( self::MAX_DELAY, self::FIRST_DELAY * (int) pow( 2, min( 10, $checks - 1 ) ) ),
		);
	}

	// -- WordPress ---------------------------------------------------------------------------------------------------

	/**
	 * Asks the service for a run's report.
	 *
	 * @param string $run_id  Run id.
	 * @param int    $timeout Seconds.
	 * @return array Client::request() result; status 400 without a request for a malformed run id.
	 */
	public static function fetch( $run_id, $timeout = 10 ) {
		if ( ! self::is_run_id( $run_id ) ) {
			return array(
				'status' => 400,
				'body'   => null,
				'error'  => __( 'Not a run id: reconcile- or backfill-, yyyyMMddTHHmmssZ, - and 8 hex digits.', 'media-offload' ),
				'raw'    => '',
			);
		}
		return Client::request( 'GET', '/v1/reports/' . $run_id, null, $timeout );
	}

	/**
	 * The last backfill's run id, or ''.
	 *
	 * @return string
	 */
	public static function last_run_id() {
		$backfill = get_option( Admin::BACKFILL_OPTION );
		return is_array( $backfill ) && isset( $backfill['runId'] ) && self::is_run_id( $backfill['runId'] ) ? $backfill['runId'] : '';
	}

	/**
	 * The cache, if it is about the last backfill.
	 *
	 * @return array|null
	 */
	public static function cache() {
		$cache = get_option( self::CACHE_OPTION );
		$run   = self::last_run_id();
		return is_array( $cache ) && '' !== $run && isset( $cache['runId'] ) && $cache['runId'] === $run ? $cache : null;
	}

	/**
	 * The last backfill's report as kept (shape()), or null when none was found yet.
	 *
	 * @return array|null
	 */
	public static function cached() {
		$cache = self::cache();
		return $cache && 'found' === $cache['state'] && is_array( $cache['report'] ) ? $cache['report'] : null;
	}

	/**
	 * Fetches a run's report and, when it is the last backfill's, keeps it.
	 *
	 * @param string $run_id  Run id.
	 * @param int    $timeout Seconds.
	 * @return array after_fetch(), plus the raw answer under 'raw'.
	 */
	public static function refresh( $run_id, $timeout ) {
		$result = self::fetch( $run_id, $timeout );
		$cache  = get_option( self::CACHE_OPTION );
		$after  = self::after_fetch( is_array( $cache ) ? $cache : null, $run_id, $result, time() );
		if ( $run_id === self::last_run_id() ) {
			update_option( self::CACHE_OPTION, $after, false );
			if ( $after['nextCheckAt'] && self::within_window() ) {
				self::schedule( $after['nextCheckAt'] );
			}
		}
		$after['raw'] = $result;
		return $after;
	}

	/**
	 * Whether WP-Cron still asks for the last backfill's report.
	 *
	 * @return bool
	 */
	private static function within_window() {
		$backfill = get_option( Admin::BACKFILL_OPTION );
		return is_array( $backfill ) && time() - (int) ( $backfill['time'] ?? 0 ) < self::AUTO_WINDOW;
	}

	/**
	 * Schedules a check, one per ten-second window.
	 *
	 * @param int $when Unix seconds.
	 */
	private static function schedule( $when ) {
		$when = max( time(), (int) $when );
		$args = array( (int) floor( $when / 10 ) );
		if ( ! wp_next_scheduled( self::REPORT_HOOK, $args ) ) {
			wp_schedule_single_event( $when, self::REPORT_HOOK, $args );
		}
	}

	/**
	 * A backfill was started from this site: its report is asked for in FIRST_DELAY seconds.
	 */
	public static function backfill_started() {
		if ( '' !== self::last_run_id() ) {
			self::schedule( time() + self::FIRST_DELAY );
		}
	}

	/**
	 * WP-Cron: asks for the last backfill's report when it is due and not found yet.
	 */
	public static function run_cron() {
		$run = self::last_run_id();
		if ( '' === $run || ! Settings::can_send() || ! self::within_window() ) {
			return;
		}
		$cache = self::cache();
		if ( $cache && ( 'found' === $cache['state'] || (int) $cache['nextCheckAt'] > time() ) ) {
			return;
		}
		self::refresh( $run, 10 );
	}

	/**
	 * The status panel's check: only while not found, at most every PAGE_INTERVAL seconds, with a short timeout.
	 *
	 * @return array|null The cache.
	 */
	public static function refresh_for_page() {
		$run   = self::last_run_id();
		$cache = self::cache();
		if ( '' === $run || ! Settings::can_send() || ( $cache && ( 'found' === $cache['state'] || (int) $cache['checkedAt'] > time() - self::PAGE_INTERVAL ) ) ) {
			return $cache;
		}
		self::refresh( $run, self::PAGE_TIMEOUT );
		return self::cache();
	}

	/**
	 * The status panel's part about offload states: attachments by state.
	 */
	public static function render_states() {
		$summary = Job_Status::site_summary();
		printf(
			'<p id="media-offload-states" data-offloaded="%d" data-pending="%d" data-failed="%d" data-unknown="%d">%s</p>',
			(int) $summary['offloaded'],
			(int) $summary['pending'],
			(int) $summary['failed'],
			(int) $summary['unknown'],
			esc_html(
				sprintf(
					/* translators: 1: offloaded, 2: pending, 3: failed, 4: unknown */
					__( 'Attachments: %1$d offloaded, %2$d pending, %3$d failed, %4$d unknown. The Offload column of the Media Library (list mode) has each one.', 'media-offload' ),
					$summary['offloaded'],
					$summary['pending'],
					$summary['failed'],
					$summary['unknown']
				)
			)
		);
	}

	/**
	 * The status panel's part about the last backfill's report: counts per action, drift, failures with reasons.
	 *
	 * @param array $backfill What Admin::remember_backfill() kept.
	 */
	public static function render_report( array $backfill ) {
		$cache = self::refresh_for_page();
		$where = 'reports/' . $backfill['runId'] . '.json';
		if ( ! $cache ) {
			/* translators: %s: the report's key in the control bucket */
			echo '<p class="description" id="media-offload-report-state">' . esc_html( sprintf( __( 'The report (%s) has not been asked for yet.', 'media-offload' ), $where ) ) . '</p>';
			return;
		}
		if ( 'found' !== $cache['state'] ) {
			$text = 'missing' === $cache['state']
				/* translators: 1: the report's key, 2: time */
				? sprintf( __( 'The service has no report of this run yet (%1$s): the run is still going, or it expired, or it is not this site\'s. Checked %2$s.', 'media-offload' ), $where, gmdate( 'Y-m-d H:i:s', (int) $cache['checkedAt'] ) . ' UTC' )
				/* translators: 1: the report's key, 2: time, 3: error */
				: sprintf( __( 'Could not fetch the report %1$s at %2$s: %3$s', 'media-offload' ), $where, gmdate( 'Y-m-d H:i:s', (int) $cache['checkedAt'] ) . ' UTC', $cache['error'] );
			echo '<p class="description" id="media-offload-report-state" data-state="' . esc_attr( $cache['state'] ) . '">' . esc_html( $text ) . '</p>';
			return;
		}
		$report = $cache['report'];
		echo '<p class="description" id="media-offload-report-state" data-state="found">' . esc_html(
			sprintf(
				/* translators: 1: the report's key, 2: started, 3: finished */
				__( 'Report %1$s from the service: started %2$s, finished %3$s.', 'media-offload' ),
				$where,
				$report['startedAt'],
				$report['finishedAt']
			)
		) . '</p>';
		echo '<table class="widefat striped" id="media-offload-report"><thead><tr><th>' . esc_html__( 'Action', 'media-offload' ) . '</th><th>' . esc_html__( 'Planned', 'media-offload' ) . '</th><th>' . esc_html__( 'Done', 'media-offload' ) . '</th></tr></thead><tbody>';
		foreach ( self::action_rows( $report ) as $row ) {
			printf( '<tr data-action="%1$s"><th>%2$s</th><td class="planned">%3$d</td><td class="done">%4$d</td></tr>', esc_attr( $row['action'] ), esc_html( $row['action'] ), (int) $row['planned'], (int) $row['done'] );
		}
		echo '</tbody></table>';
		printf(
			'<p id="media-offload-report-drift" data-drift="%1$s" data-in-sync="%2$s" data-failures="%3$d">%4$s</p>',
			esc_attr( null === $report['drift'] ? '' : (string) $report['drift'] ),
			esc_attr( null === $report['inSync'] ? '' : ( $report['inSync'] ? 'true' : 'false' ) ),
			(int) $report['failureCount'],
			esc_html(
				sprintf(
					/* translators: 1: drift, 2: yes or no, 3: failures */
					__( 'Drift: %1$s. In sync: %2$s. Failures: %3$d.', 'media-offload' ),
					null === $report['drift'] ? '?' : (string) $report['drift'],
					null === $report['inSync'] ? '?' : ( $report['inSync'] ? __( 'yes', 'media-offload' ) : __( 'no', 'media-offload' ) ),
					$report['failureCount']
				)
			)
		);
		if ( $report['failures'] ) {
			echo '<table class="widefat striped" id="media-offload-report-failures"><thead><tr><th>' . esc_html__( 'Key', 'media-offload' ) . '</th><th>' . esc_html__( 'Action', 'media-offload' ) . '</th><th>' . esc_html__( 'Reason', 'media-offload' ) . '</th></tr></thead><tbody>';
			foreach ( $report['failures'] as $failure ) {
				printf( '<tr><td><code>%s</code></td><td>%s</td><td>%s</td></tr>', esc_html( $failure['key'] ), esc_html( $failure['action'] ), esc_html( $failure['reason'] ) );
			}
			echo '</tbody></table>';
		}
	}
}
