<?php
/**
 * What the operator sees of remote-only files: the status panel's part, and the warning before deactivation.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Shows the local bytes freed, the remote-only count, the last problem of a removal run and the recent removal log
 * on Settings → Media Offload, and warns on the Plugins screen that deactivating leaves remote-only files without a
 * local copy. Operator-only (manage_options); everything printed is escaped.
 */
class Remote_Admin {

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( 'admin_notices', array( __CLASS__, 'deactivation_notice' ) );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_action( 'admin_notices', array( __CLASS__, 'deactivation_notice' ) );
	}

	/**
	 * On the Plugins screen, while remote-only files exist: deactivating breaks them, so restore them first.
	 */
	public static function deactivation_notice() {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		if ( ! $screen || 'plugins' !== $screen->id || ! current_user_can( 'manage_options' ) || get_option( Schema::VERSION_OPTION ) !== Schema::VERSION ) {
			return;
		}
		$totals = Remote_Records::totals();
		if ( $totals['files'] < 1 ) {
			return;
		}
		printf(
			'<div class="notice notice-warning" id="media-offload-remote-only-notice"><p>%s</p></div>',
			esc_html(
				sprintf(
					/* translators: %d: number of files */
					_n(
						'Media Offload: %d file has no local copy. Deactivating the plugin leaves WordPress serving it from disk, where it is not. Turn off "Remove local copies" and run wp media-offload restore-local --all first.',
						'Media Offload: %d files have no local copy. Deactivating the plugin leaves WordPress serving them from disk, where they are not. Turn off "Remove local copies" and run wp media-offload restore-local --all first.',
						$totals['files'],
						'media-offload'
					),
					$totals['files']
				)
			)
		);
	}

	/**
	 * The status panel's part: bytes freed, files remote-only, the last problem, the recent log.
	 */
	public static function render_panel() {
		echo '<h3>' . esc_html__( 'Remote-only files', 'media-offload' ) . '</h3>';
		$totals = Remote_Records::totals();
		printf(
			'<p id="media-offload-remote-only" data-files="%1$d" data-bytes="%2$d">%3$s</p>',
			(int) $totals['files'],
			(int) $totals['bytes'],
			esc_html(
				sprintf(
					/* translators: 1: size, 2: number of files, 3: on or off */
					__( 'Local bytes freed: %1$s, in %2$d remote-only files. Remove local copies: %3$s.', 'media-offload' ),
					size_format( $totals['bytes'] ),
					$totals['files'],
					Settings::get( 'remove_local' ) ? __( 'on', 'media-offload' ) : __( 'off', 'media-offload' )
				)
			)
		);
		$problem = get_option( Remote_Files::PROBLEM_OPTION );
		if ( is_array( $problem ) && ! empty( $problem['message'] ) ) {
			$why = 'unversioned' === ( $problem['code'] ?? '' )
				? __( 'The media bucket is not versioned, so no local copy is removed.', 'media-offload' )
				: __( 'The last removal run could not check its files with the service, so it removed nothing.', 'media-offload' );
			printf(
				'<div class="notice notice-warning inline" id="media-offload-removal-problem" data-code="%1$s"><p>%2$s %3$s</p></div>',
				esc_attr( (string) ( $problem['code'] ?? '' ) ),
				esc_html( $why ),
				esc_html( sprintf( '%s (%s UTC)', (string) $problem['message'], gmdate( 'Y-m-d H:i:s', (int) ( $problem['time'] ?? 0 ) ) ) )
			);
		}
		$log = get_option( Remote_Files::LOG_OPTION, array() );
		if ( ! is_array( $log ) || ! $log ) {
			echo '<p>' . esc_html__( 'No local copy removed or restored yet.', 'media-offload' ) . '</p>';
			return;
		}
		echo '<table class="widefat striped" id="media-offload-removal-log"><thead><tr><th>' . esc_html__( 'Time', 'media-offload' ) . '</th><th>' . esc_html__( 'What', 'media-offload' ) . '</th><th>' . esc_html__( 'Attachment', 'media-offload' ) . '</th><th>' . esc_html__( 'File', 'media-offload' ) . '</th><th>' . esc_html__( 'Bytes', 'media-offload' ) . '</th><th>' . esc_html__( 'Detail', 'media-offload' ) . '</th></tr></thead><tbody>';
		foreach ( array_slice( $log, 0, 20 ) as $entry ) {
			if ( ! is_array( $entry ) ) {
				continue;
			}
			printf(
				'<tr><td>%s</td><td>%s</td><td>%d</td><td><code>%s</code></td><td>%d</td><td>%s</td></tr>',
				esc_html( wp_date( 'Y-m-d H:i:s', (int) ( $entry['time'] ?? 0 ) ) ),
				esc_html( (string) ( $entry['action'] ?? '' ) ),
				(int) ( $entry['attachmentId'] ?? 0 ),
				esc_html( (string) ( $entry['path'] ?? '' ) ),
				(int) ( $entry['bytes'] ?? 0 ),
				esc_html( (string) ( $entry['detail'] ?? '' ) )
			);
		}
		echo '</tbody></table>';
	}
}
