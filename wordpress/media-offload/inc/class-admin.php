<?php
/**
 * Settings → Media Offload: settings and a status panel.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * The settings screen, built on the Settings API (capability checks and nonces come with it), and a status panel
 * with the attachments by offload state, the last events sent, what waits for a retry and the last backfill's report.
 */
class Admin {

	const PAGE            = 'media-offload';
	const GROUP           = 'media_offload';
	const BACKFILL_OPTION = 'media_offload_last_backfill';

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( 'admin_menu', array( $this, 'menu' ) );
		add_action( 'admin_init', array( $this, 'register' ) );
		add_action( 'admin_post_media_offload_retry', array( $this, 'retry' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( PLUGIN_FILE ), array( $this, 'action_links' ) );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_action( 'admin_menu', array( $this, 'menu' ) );
		remove_action( 'admin_init', array( $this, 'register' ) );
		remove_action( 'admin_post_media_offload_retry', array( $this, 'retry' ) );
		remove_filter( 'plugin_action_links_' . plugin_basename( PLUGIN_FILE ), array( $this, 'action_links' ) );
	}

	/**
	 * Adds the page under Settings.
	 */
	public function menu() {
		add_options_page( __( 'Media Offload', 'media-offload' ), __( 'Media Offload', 'media-offload' ), 'manage_options', self::PAGE, array( $this, 'render' ) );
	}

	/**
	 * A Settings link on the Plugins screen.
	 *
	 * @param string[] $links Links.
	 * @return string[]
	 */
	public function action_links( $links ) {
		array_unshift( $links, '<a href="' . esc_url( admin_url( 'options-general.php?page=' . self::PAGE ) ) . '">' . esc_html__( 'Settings', 'media-offload' ) . '</a>' );
		return $links;
	}

	/**
	 * Registers the setting and its fields.
	 */
	public function register() {
		register_setting(
			self::GROUP,
			Settings::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( Settings::class, 'sanitize' ),
				'default'           => array(),
				'show_in_rest'      => false,
			)
		);
		add_settings_section( 'media_offload_service', __( 'Service', 'media-offload' ), '__return_false', self::PAGE );
		add_settings_section( 'media_offload_delivery', __( 'Delivery', 'media-offload' ), '__return_false', self::PAGE );

		$fields = array(
			'endpoint'     => array( __( 'API endpoint', 'media-offload' ), 'media_offload_service', 'url', __( 'Base URL of the MediaOffload API, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com.', 'media-offload' ) ),
			'secret'       => array( __( 'Signing secret', 'media-offload' ), 'media_offload_service', 'password', __( 'One of the service\'s SigningSecrets, at least 32 characters. Leave blank to keep the saved secret.', 'media-offload' ) ),
			'cdn_domain'   => array( __( 'CDN domain', 'media-offload' ), 'media_offload_delivery', 'text', __( 'CloudFront domain or alias, e.g. media.example.com.', 'media-offload' ) ),
			'key_prefix'   => array( __( 'Key prefix', 'media-offload' ), 'media_offload_delivery', 'text', __( 'The service\'s KeyPrefix. Default: wp-content/uploads.', 'media-offload' ) ),
			'rewrite_urls' => array( __( 'Rewrite URLs', 'media-offload' ), 'media_offload_delivery', 'checkbox', __( 'Serve attachment URLs, srcset and images in content from the CDN domain.', 'media-offload' ) ),
			'remove_local' => array( __( 'Remove local copies', 'media-offload' ), 'media_offload_delivery', 'checkbox', __( 'Delete the local copy of each file once the service has verified it in a versioned bucket, and fetch it back whenever WordPress needs it on disk. Run wp media-offload restore-local --all before deactivating the plugin.', 'media-offload' ) ),
		);
		foreach ( $fields as $field => $spec ) {
			add_settings_field(
				'media_offload_' . $field,
				$spec[0],
				array( $this, 'render_field' ),
				self::PAGE,
				$spec[1],
				array(
					'field'       => $field,
					'type'        => $spec[2],
					'description' => $spec[3],
					'label_for'   => 'media_offload_' . $field,
				)
			);
		}
	}

	/**
	 * Renders one field.
	 *
	 * @param array $args Field arguments.
	 */
	public function render_field( $args ) {
		$field  = $args['field'];
		$id     = 'media_offload_' . $field;
		$name   = Settings::OPTION . '[' . $field . ']';
		$locked = Settings::is_locked( $field );
		$value  = Settings::get( $field );

		if ( 'checkbox' === $args['type'] ) {
			printf(
				'<input type="checkbox" id="%1$s" name="%2$s" value="1" %3$s %4$s />',
				esc_attr( $id ),
				esc_attr( $name ),
				checked( (bool) $value, true, false ),
				disabled( $locked, true, false )
			);
		} elseif ( 'password' === $args['type'] ) {
			// The secret is never printed back; the placeholder says whether one is saved.
			printf(
				'<input type="password" id="%1$s" name="%2$s" value="" class="regular-text" autocomplete="new-password" placeholder="%3$s" %4$s />',
				esc_attr( $id ),
				esc_attr( $name ),
				esc_attr( '' !== $value ? __( 'Saved (hidden)', 'media-offload' ) : __( 'Not set', 'media-offload' ) ),
				disabled( $locked, true, false )
			);
		} else {
			printf(
				'<input type="%1$s" id="%2$s" name="%3$s" value="%4$s" class="regular-text code" %5$s />',
				esc_attr( $args['type'] ),
				esc_attr( $id ),
				esc_attr( $name ),
				esc_attr( (string) $value ),
				disabled( $locked, true, false )
			);
		}
		if ( $locked ) {
			// A network's per-site secret comes from MEDIA_OFFLOAD_SITE_SECRETS, not the field's own constant.
			$constant = 'secret' === $field && 'site-constant' === Settings::secret_source() ? 'MEDIA_OFFLOAD_SITE_SECRETS' : Settings::FIELDS[ $field ][0];
			/* translators: %s: constant name */
			echo '<p class="description media-offload-locked">' . esc_html( sprintf( __( 'Set by %s in wp-config.php, which wins over this page.', 'media-offload' ), $constant ) ) . '</p>';
		}
		echo '<p class="description">' . esc_html( $args['description'] ) . '</p>';
	}

	/**
	 * Handles "Retry now".
	 */
	public function retry() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'media-offload' ), 403 );
		}
		check_admin_referer( 'media_offload_retry' );
		$count = Queue::retry_all();
		Events::wake();
		wp_safe_redirect( add_query_arg( array( 'page' => self::PAGE, 'retried' => $count ), admin_url( 'options-general.php' ) ) );
		exit;
	}

	/**
	 * Renders the page.
	 */
	public function render() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		echo '<div class="wrap" id="media-offload-settings">';
		echo '<h1>' . esc_html( get_admin_page_title() ) . '</h1>';
		settings_errors( Settings::OPTION );
		if ( isset( $_GET['retried'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			/* translators: %d: number of events */
			echo '<div class="notice notice-success"><p>' . esc_html( sprintf( __( '%d queued events will be sent again now.', 'media-offload' ), absint( $_GET['retried'] ) ) ) . '</p></div>'; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		}
		echo '<form method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
		settings_fields( self::GROUP );
		do_settings_sections( self::PAGE );
		submit_button();
		echo '</form>';
		$this->render_status();
		echo '</div>';
	}

	/**
	 * The status panel.
	 */
	private function render_status() {
		echo '<h2>' . esc_html__( 'Status', 'media-offload' ) . '</h2>';
		echo '<div id="media-offload-status">';

		$problems = Settings::problems();
		if ( $problems ) {
			echo '<div class="notice notice-warning inline"><ul>';
			foreach ( $problems as $problem ) {
				echo '<li>' . esc_html( $problem ) . '</li>';
			}
			echo '</ul></div>';
		} else {
			echo '<p>' . esc_html__( 'Settings are complete.', 'media-offload' ) . ' <code>wp media-offload verify</code> ' . esc_html__( 'checks that the service answers.', 'media-offload' ) . '</p>';
		}

		echo '<h3>' . esc_html__( 'Offload status', 'media-offload' ) . '</h3>';
		Reports::render_states();

		// Local copies removed, and why a run removed nothing (docs/remote-only.md).
		Remote_Admin::render_panel();

		// Last events sent.
		echo '<h3>' . esc_html__( 'Last events sent', 'media-offload' ) . '</h3>';
		$log = get_option( Events::LOG_OPTION, array() );
		if ( ! is_array( $log ) || ! $log ) {
			echo '<p>' . esc_html__( 'No events sent yet.', 'media-offload' ) . '</p>';
		} else {
			echo '<table class="widefat striped" id="media-offload-log"><thead><tr><th>' . esc_html__( 'Time', 'media-offload' ) . '</th><th>' . esc_html__( 'Event', 'media-offload' ) . '</th><th>' . esc_html__( 'Attachment', 'media-offload' ) . '</th><th>' . esc_html__( 'Files', 'media-offload' ) . '</th><th>' . esc_html__( 'Result', 'media-offload' ) . '</th></tr></thead><tbody>';
			foreach ( $log as $entry ) {
				printf(
					'<tr><td>%s</td><td><code>%s</code></td><td>%d</td><td>%d</td><td>%s %s</td></tr>',
					esc_html( wp_date( 'Y-m-d H:i:s', (int) $entry['time'] ) ),
					esc_html( $entry['type'] ),
					(int) $entry['attachmentId'],
					(int) $entry['files'],
					esc_html( 0 === (int) $entry['status'] ? __( 'unreachable', 'media-offload' ) : (string) (int) $entry['status'] ),
					esc_html( $entry['detail'] )
				);
			}
			echo '</tbody></table>';
		}

		// Waiting for retry.
		$counts = Queue::counts();
		echo '<h3>' . esc_html__( 'Waiting for retry', 'media-offload' ) . '</h3>';
		printf(
			'<p id="media-offload-queue-counts">%s</p>',
			esc_html(
				sprintf(
					/* translators: 1: pending, 2: retrying, 3: failed */
					__( '%1$d pending (%2$d after a failed attempt), %3$d refused by the service.', 'media-offload' ),
					$counts['pending'],
					$counts['retrying'],
					$counts['failed']
				)
			)
		);
		$waiting = array_filter(
			Queue::waiting(),
			function ( $row ) {
				return (int) $row['attempts'] > 0;
			}
		);
		if ( $waiting ) {
			echo '<table class="widefat striped" id="media-offload-queue"><thead><tr><th>' . esc_html__( 'Event', 'media-offload' ) . '</th><th>' . esc_html__( 'Attachment', 'media-offload' ) . '</th><th>' . esc_html__( 'Attempts', 'media-offload' ) . '</th><th>' . esc_html__( 'Next attempt', 'media-offload' ) . '</th><th>' . esc_html__( 'Last error', 'media-offload' ) . '</th></tr></thead><tbody>';
			foreach ( $waiting as $row ) {
				printf(
					'<tr><td><code>%s</code></td><td>%d</td><td>%d</td><td>%s</td><td>%s</td></tr>',
					esc_html( $row['event_type'] ),
					(int) $row['attachment_id'],
					(int) $row['attempts'],
					esc_html( Queue::FAILED === $row['status'] ? __( 'never (refused)', 'media-offload' ) : wp_date( 'Y-m-d H:i:s', (int) $row['next_attempt_at'] ) ),
					esc_html( (string) $row['last_error'] )
				);
			}
			echo '</tbody></table>';
		}
		if ( $counts['pending'] || $counts['failed'] ) {
			echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
			echo '<input type="hidden" name="action" value="media_offload_retry" />';
			wp_nonce_field( 'media_offload_retry' );
			submit_button( __( 'Retry now', 'media-offload' ), 'secondary', 'submit', false );
			echo '</form>';
		}

		// Last backfill, and its report as the service serves it (Reports).
		echo '<h3>' . esc_html__( 'Last backfill', 'media-offload' ) . '</h3>';
		$backfill = get_option( self::BACKFILL_OPTION );
		if ( ! is_array( $backfill ) || empty( $backfill['runId'] ) ) {
			echo '<p>' . esc_html__( 'No backfill started from this site yet (wp media-offload backfill).', 'media-offload' ) . '</p>';
		} else {
			echo '<p id="media-offload-backfill">' . esc_html( self::backfill_line( $backfill ) ) . '</p>';
			Reports::render_report( $backfill );
		}
		echo '</div>';
	}

	/**
	 * Keeps the run a backfill request started, for the status panel and `wp media-offload status`.
	 *
	 * @param array $request The body sent to /v1/backfill.
	 * @param mixed $answer  The service's JSON answer: {"runId","status":"started"}, or a finished run's report.
	 * @return array|null What was kept; null when the answer names no run.
	 */
	public static function remember_backfill( $request, $answer ) {
		if ( ! is_array( $answer ) || empty( $answer['runId'] ) || ! is_scalar( $answer['runId'] ) ) {
			return null;
		}
		$kept = array(
			'runId'  => sanitize_text_field( (string) $answer['runId'] ),
			'status' => isset( $answer['status'] ) && is_scalar( $answer['status'] ) ? sanitize_key( (string) $answer['status'] ) : '',
			'dryRun' => ! empty( $request['dryRun'] ),
			'prefix' => isset( $request['prefix'] ) ? (string) $request['prefix'] : '',
			'time'   => time(),
			'counts' => array(),
		);
		$report = isset( $answer['report'] ) && is_array( $answer['report'] ) ? $answer['report'] : null;
		if ( $report ) {
			foreach ( array( 'planned', 'done' ) as $group ) {
				foreach ( ( isset( $report[ $group ] ) && is_array( $report[ $group ] ) ) ? $report[ $group ] : array() as $name => $count ) {
					if ( is_numeric( $count ) ) {
						$kept['counts'][ $group . ' ' . sanitize_text_field( (string) $name ) ] = (int) $count;
					}
				}
			}
			if ( isset( $report['drift'] ) && is_numeric( $report['drift'] ) ) {
				$kept['counts']['drift'] = (int) $report['drift'];
			}
		}
		update_option( self::BACKFILL_OPTION, $kept, false );
		return $kept;
	}

	/**
	 * "backfill-… started 2024-05-01 10:00:00 UTC (dry run)". Pure.
	 *
	 * @param array $backfill What remember_backfill() kept.
	 * @return string
	 */
	public static function backfill_line( $backfill ) {
		return trim(
			sprintf(
				'%s %s %s%s%s',
				$backfill['runId'],
				'' === (string) ( $backfill['status'] ?? '' ) ? 'started' : $backfill['status'],
				gmdate( 'Y-m-d H:i:s', (int) ( $backfill['time'] ?? 0 ) ) . ' UTC',
				empty( $backfill['dryRun'] ) ? '' : ' (dry run)',
				empty( $backfill['prefix'] ) ? '' : ' under ' . $backfill['prefix']
			)
		);
	}
}
