<?php
/**
 * `wp media-offload` commands.
 *
 * @package MediaOffload
 */

namespace MediaOffload\CLI;

use MediaOffload\Admin;
use MediaOffload\Client;
use MediaOffload\Events;
use MediaOffload\Job_Status;
use MediaOffload\Manifest_Index;
use MediaOffload\Media_Column;
use MediaOffload\Queue;
use MediaOffload\Remote_Records;
use MediaOffload\Reports;
use MediaOffload\Requirements;
use MediaOffload\Settings;
use WP_CLI;

/**
 * Checks and drives the Media Offload plugin.
 */
class Command {

	/**
	 * Shows the settings in effect, the outbox and the last events sent; or, given an attachment, its offload status.
	 *
	 * ## OPTIONS
	 *
	 * [<attachment-id>]
	 * : An attachment: its offload state and every file's status, as the Media Library's Offload column shows it.
	 *
	 * [--refresh]
	 * : With an attachment: ask the service about each of its jobs now.
	 *
	 * [--format=<format>]
	 * : With an attachment: text (default) or json.
	 *
	 * ## EXAMPLES
	 *
	 *     wp media-offload status
	 *     wp media-offload status 42 --refresh --format=json
	 *
	 * @synopsis [<attachment-id>] [--refresh] [--format=<format>]
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function status( $args, $assoc_args ) {
		if ( isset( $args[0] ) ) {
			$this->attachment_status( $args[0], $assoc_args );
			return;
		}
		foreach ( array_keys( Settings::FIELDS ) as $field ) {
			$value = Settings::get( $field );
			if ( 'secret' === $field ) {
				$value = '' === $value ? '(not set)' : '(set, ' . strlen( $value ) . ' characters)';
			} elseif ( is_bool( $value ) ) {
				$value = $value ? 'on' : 'off';
			}
			WP_CLI::line( sprintf( '%-13s %s%s', $field . ':', '' === $value ? '(not set)' : $value, Settings::is_locked( $field ) ? '  [wp-config]' : '' ) );
		}
		$counts = Queue::counts();
		WP_CLI::line( sprintf( 'queue:        %d pending, %d after a failed attempt, %d refused', $counts['pending'], $counts['retrying'], $counts['failed'] ) );
		foreach ( Queue::waiting( 20 ) as $row ) {
			if ( (int) $row['attempts'] > 0 ) {
				WP_CLI::line( sprintf( '  #%d %s attachment %d: %d attempts, %s, next %s', $row['id'], $row['event_type'], $row['attachment_id'], $row['attempts'], $row['last_error'], Queue::FAILED === $row['status'] ? 'never' : gmdate( 'c', (int) $row['next_attempt_at'] ) ) );
			}
		}
		$backfill = get_option( Admin::BACKFILL_OPTION );
		WP_CLI::line( 'backfill:     ' . ( is_array( $backfill ) && ! empty( $backfill['runId'] ) ? Admin::backfill_line( $backfill ) : '(none started from this site)' ) );
		$summary = Job_Status::site_summary();
		WP_CLI::line( sprintf( 'attachments:  %d offloaded, %d pending, %d failed, %d unknown', $summary['offloaded'], $summary['pending'], $summary['failed'], $summary['unknown'] ) );
		$remote = Remote_Records::totals();
		WP_CLI::line( sprintf( 'remote-only:  %d files, %s of local copies freed', $remote['files'], size_format( $remote['bytes'] ) ) );
		if ( ! Requirements::met() ) {
			WP_CLI::line( 'state:        inert (PHP intl is missing): nothing is sent, the manifest answers 503, the queue is kept.' );
		}
		$log = get_option( Events::LOG_OPTION, array() );
		WP_CLI::line( 'last events:' );
		foreach ( array_slice( is_array( $log ) ? $log : array(), 0, 10 ) as $entry ) {
			WP_CLI::line( sprintf( '  %s %s attachment %d (%d files): %s %s', gmdate( 'c', (int) $entry['time'] ), $entry['type'], $entry['attachmentId'], $entry['files'], $entry['status'] ? $entry['status'] : 'unreachable', $entry['detail'] ) );
		}
		foreach ( Settings::problems() as $problem ) {
			WP_CLI::warning( $problem );
		}
	}

	/**
	 * Asks the service to backfill the bucket from this site's manifest.
	 *
	 * Completes the manifest index first, then sends a signed POST {endpoint}/v1/backfill.
	 *
	 * ## OPTIONS
	 *
	 * [--dry-run]
	 * : Plan and report only; change nothing in the bucket.
	 *
	 * [--prefix=<prefix>]
	 * : Only paths under this uploads-relative prefix, e.g. 2019/.
	 *
	 * ## EXAMPLES
	 *
	 *     wp media-offload backfill --dry-run
	 *
	 * @synopsis [--dry-run] [--prefix=<prefix>]
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function backfill( $args, $assoc_args ) {
		$this->require_ready();
		$this->require_settings();
		$indexed = 0;
		do {
			$batch    = Manifest_Index::index_missing( 200 );
			$indexed += $batch;
		} while ( $batch > 0 );
		if ( $indexed ) {
			WP_CLI::line( sprintf( 'Indexed %d attachments that predate the plugin.', $indexed ) );
		}
		$request = self::backfill_request( $assoc_args );
		$result  = Client::request( 'POST', '/v1/backfill', $request, 30 );
		if ( $result['status'] < 200 || $result['status'] >= 300 ) {
			WP_CLI::error( 'The service refused the backfill: ' . $result['error'] );
		}
		$kept = Admin::remember_backfill( $request, $result['body'] );
		if ( null === $kept ) {
			WP_CLI::error( 'The service accepted the backfill but named no run: ' . $result['raw'] );
		}
		WP_CLI::success( sprintf( 'Backfill %s%s %s. Its report, once written: wp media-offload report %s', $request['dryRun'] ? '(dry run) ' : '', $kept['runId'], '' === $kept['status'] ? 'started' : $kept['status'], $kept['runId'] ) );
	}

	/**
	 * Checks the settings and reaches the service with a signed health request.
	 *
	 * ## EXAMPLES
	 *
	 *     wp media-offload verify
	 *
	 * @synopsis
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function verify( $args, $assoc_args ) {
		$problems = Settings::problems();
		foreach ( $problems as $problem ) {
			WP_CLI::warning( $problem );
		}
		$this->require_settings();
		$result = Client::request( 'GET', '/healthz', null, 10 );
		if ( 200 !== $result['status'] || ! is_array( $result['body'] ) || ( $result['body']['status'] ?? '' ) !== 'ok' ) {
			WP_CLI::error( 'The service did not answer the health check: ' . ( $result['error'] ? $result['error'] : $result['raw'] ) );
		}
		if ( $problems ) {
			WP_CLI::error( 'The service answers, but the settings need attention.' );
		}
		WP_CLI::success( 'Settings are complete and the service answers at ' . Settings::get( 'endpoint' ) . '.' );
	}

	/**
	 * Sends every queued event now, including those refused before, and reports what happened.
	 *
	 * ## EXAMPLES
	 *
	 *     wp media-offload retry
	 *
	 * @synopsis
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function retry( $args, $assoc_args ) {
		$this->require_ready();
		$this->require_settings();
		Queue::retry_all();
		$stats = Events::dispatch( 120 );
		$line  = sprintf( '%d delivered, %d waiting for a retry, %d refused.', $stats['delivered'], $stats['retrying'], $stats['failed'] );
		if ( $stats['retrying'] || $stats['failed'] ) {
			WP_CLI::error( $line );
		}
		WP_CLI::success( $line );
	}

	/**
	 * Prints a run's report as the service serves it: counts per action (planned and done), drift, in sync, failures.
	 *
	 * ## OPTIONS
	 *
	 * [<run-id>]
	 * : The run, e.g. backfill-20261201T152000Z-0a1b2c3d. Default: the last backfill started from this site.
	 *
	 * [--format=<format>]
	 * : text (default), or json: the report exactly as the service answered.
	 *
	 * ## EXAMPLES
	 *
	 *     wp media-offload report
	 *     wp media-offload report backfill-20261201T152000Z-0a1b2c3d --format=json
	 *
	 * @synopsis [<run-id>] [--format=<format>]
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function report( $args, $assoc_args ) {
		$this->require_settings();
		$format = self::format( $assoc_args );
		$run_id = isset( $args[0] ) ? (string) $args[0] : Reports::last_run_id();
		if ( '' === $run_id ) {
			WP_CLI::error( 'No backfill was started from this site; name a run: wp media-offload report <run-id>.' );
		}
		if ( ! Reports::is_run_id( $run_id ) ) {
			WP_CLI::error( 'Not a run id: ' . $run_id . ' (reconcile- or backfill-, yyyyMMddTHHmmssZ, - and 8 hex digits).' );
		}
		$after = Reports::refresh( $run_id, 15 );
		if ( 'missing' === $after['state'] ) {
			WP_CLI::error( sprintf( 'The service has no report %s yet: the run is still going, or it expired after 90 days, or it is not this site\'s.', $run_id ) );
		}
		if ( 'found' !== $after['state'] ) {
			WP_CLI::error( sprintf( 'Could not fetch the report %s: %s', $run_id, $after['error'] ) );
		}
		if ( 'json' === $format ) {
			WP_CLI::line( (string) $after['raw']['raw'] );
			return;
		}
		$report = $after['report'];
		WP_CLI::line( sprintf( 'run:          %s%s', $run_id, $report['dryRun'] ? ' (dry run)' : '' ) );
		WP_CLI::line( sprintf( 'started:      %s', $report['startedAt'] ) );
		WP_CLI::line( sprintf( 'finished:     %s', $report['finishedAt'] ) );
		WP_CLI::line( sprintf( 'in sync:      %s', null === $report['inSync'] ? '?' : ( $report['inSync'] ? 'yes' : 'no' ) ) );
		WP_CLI::line( sprintf( 'drift:        %s', null === $report['drift'] ? '?' : $report['drift'] ) );
		WP_CLI::line( sprintf( '%-20s %10s %10s', 'action', 'planned', 'done' ) );
		foreach ( Reports::action_rows( $report ) as $row ) {
			WP_CLI::line( sprintf( '%-20s %10d %10d', $row['action'], $row['planned'], $row['done'] ) );
		}
		WP_CLI::line( sprintf( 'failures:     %d', $report['failureCount'] ) );
		foreach ( $report['failures'] as $failure ) {
			WP_CLI::line( sprintf( '  %s %s: %s', $failure['action'], $failure['key'], $failure['reason'] ) );
		}
	}

	/**
	 * Removes the local copy of every file the service verifies in a versioned bucket, now (docs/remote-only.md).
	 *
	 * Runs the same batches as WP-Cron, one after another, over the whole index. Each file is printed, then the
	 * totals.
	 *
	 * ## OPTIONS
	 *
	 * [--dry-run]
	 * : Ask the service and list what would be removed; remove nothing.
	 *
	 * [--limit=<n>]
	 * : Remove at most this many files. Default: every candidate.
	 *
	 * ## EXAMPLES
	 *
	 *     wp media-offload remove-local --dry-run
	 *     wp media-offload remove-local --limit=100
	 *
	 * @subcommand remove-local
	 * @synopsis [--dry-run] [--limit=<n>]
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function remove_local( $args, $assoc_args ) {
		$this->require_ready();
		$this->require_settings();
		Remote_Commands::remove_local( $args, $assoc_args );
	}


	/**
	 * Brings remote-only files back from the bucket (docs/remote-only.md).
	 *
	 * ## OPTIONS
	 *
	 * [<attachment-id>...]
	 * : Attachments whose remote-only files to restore.
	 *
	 * [--all]
	 * : Every remote-only file of the site, before deactivating the plugin or leaving the service. Refused while
	 * "Remove local copies" is on, since WP-Cron would remove them again.
	 *
	 * ## EXAMPLES
	 *
	 *     wp media-offload restore-local 42 43
	 *     wp media-offload restore-local --all
	 *
	 * @subcommand restore-local
	 * @synopsis [<attachment-id>...] [--all]
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function restore_local( $args, $assoc_args ) {
		$this->require_ready();
		$this->require_settings();
		Remote_Commands::restore_local( $args, $assoc_args );
	}


	/**
	 * `status <attachment-id>`: the stored status, after asking the service with --refresh.
	 *
	 * @param string $id         Attachment id.
	 * @param array  $assoc_args Options.
	 */
	private function attachment_status( $id, $assoc_args ) {
		$format = self::format( $assoc_args );
		$post   = ctype_digit( (string) $id ) ? get_post( (int) $id ) : null;
		if ( ! $post || 'attachment' !== $post->post_type ) {
			WP_CLI::error( sprintf( 'No attachment %s.', $id ) );
		}
		if ( ! empty( $assoc_args['refresh'] ) ) {
			$this->require_ready();
			$this->require_settings();
			Job_Status::poll_attachment( $post->ID, true, 1000 );
			Job_Status::forget_queue();
		}
		$view = Job_Status::attachment_view( $post->ID );
		if ( 'json' === $format ) {
			WP_CLI::line( (string) wp_json_encode( array_merge( array( 'attachmentId' => $post->ID, 'label' => Media_Column::label( $view ) ), $view ), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) );
			return;
		}
		WP_CLI::line( sprintf( 'attachment:   %d', $post->ID ) );
		WP_CLI::line( sprintf( 'state:        %s', $view['state'] ) );
		WP_CLI::line( sprintf( 'status:       %s', Media_Column::label( $view ) ) );
		foreach ( Media_Column::job_lines( $view ) as $line ) {
			WP_CLI::line( '  ' . $line );
		}
		foreach ( $view['files'] as $file ) {
			WP_CLI::line( '  ' . Media_Column::file_line( $file ) );
		}
	}

	/**
	 * The --format option: text or json.
	 *
	 * @param array $assoc_args Options.
	 * @return string
	 */
	private static function format( $assoc_args ) {
		$format = isset( $assoc_args['format'] ) ? (string) $assoc_args['format'] : 'text';
		if ( ! in_array( $format, array( 'text', 'json' ), true ) ) {
			WP_CLI::error( 'Unknown --format: use text or json.' );
		}
		return $format;
	}

	/**
	 * The body of POST /v1/backfill. Pure.
	 *
	 * @param array $assoc_args Options.
	 * @return array
	 */
	public static function backfill_request( $assoc_args ) {
		$request = array(
			'action' => 'backfill',
			'dryRun' => ! empty( $assoc_args['dry-run'] ),
		);
		if ( ! empty( $assoc_args['prefix'] ) ) {
			$request['prefix'] = trim( (string) $assoc_args['prefix'], '/' ) . '/';
		}
		return $request;
	}

	/**
	 * Stops with an error when the plugin is inert (no intl): it would index and send names it cannot normalise.
	 */
	private function require_ready() {
		if ( ! Requirements::met() ) {
			WP_CLI::error( Requirements::message() );
		}
	}

	/**
	 * Stops with an error when the endpoint or secret is missing.
	 */
	private function require_settings() {
		if ( ! Settings::can_send() ) {
			WP_CLI::error( 'Set the API endpoint and the signing secret first (Settings > Media Offload or MEDIA_OFFLOAD_ENDPOINT / MEDIA_OFFLOAD_SECRET).' );
		}
	}
}
