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
use MediaOffload\Manifest_Index;
use MediaOffload\Queue;
use MediaOffload\Requirements;
use MediaOffload\Settings;
use WP_CLI;

/**
 * Checks and drives the Media Offload plugin.
 */
class Command {

	/**
	 * Shows the settings in effect, the outbox and the last events sent.
	 *
	 * ## EXAMPLES
	 *
	 *     wp media-offload status
	 *
	 * @synopsis
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function status( $args, $assoc_args ) {
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
		WP_CLI::success( sprintf( 'Backfill %s%s %s. The service writes its report to reports/%s.json in its control bucket.', $request['dryRun'] ? '(dry run) ' : '', $kept['runId'], '' === $kept['status'] ? 'started' : $kept['status'], $kept['runId'] ) );
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
