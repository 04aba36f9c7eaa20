<?php
/**
 * Test mu-plugin for e2e_remote_only.py, copied into the test WordPress's wp-content/mu-plugins. Only what the
 * fault and hostile checks need, each switched on by an option the test sets and off by default:
 *
 * - e2e_sleep_removing = N: sleep (up to 120 s) inside media_offload_removing_local on the Nth file of a request, after
 *   writing WP_DIR/e2e-sleeping.json, so the test can SIGKILL php -S right before that file's unlink.
 * - e2e_sleep_restoring = N: the same inside media_offload_restoring_local (after the download, before the check and
 *   rename), recording the part file's path.
 * - e2e_download_via = URL: a restore download (a presigned GET of the media bucket) goes to URL instead, with the same
 *   arguments (stream, filename), so a truncated or altered body reaches the plugin's own checks.
 * - Every outgoing HTTP request is appended to WP_DIR/e2e-http.jsonl (method, URL, body), so a check can assert that
 *   a request was never made (a restore of a hostile path must be refused before the service is asked).
 * - POST /wp-json/e2e/v1/restore/<id> (manage_options): asks for the attachment's files the way the image editor and
 *   `wp media regenerate` do (get_attached_file, wp_get_original_image_path), with restore on demand forced on, so a
 *   restore runs inside php -S where the test can kill it.
 * - Job polls every 2 s (5 s after ten), as in e2e.py's status checks.
 *
 * @package MediaOffload
 */

// phpcs:disable WordPress.NamingConventions.PrefixAllGlobals

add_filter(
	'media_offload_poll_delay',
	function ( $delay, $polls ) {
		return $polls < 10 ? 2 : 5;
	},
	10,
	2
);

/**
 * Sleeps on the Nth call of a hook in this request when the option says so.
 *
 * @param string $option The option holding N.
 * @param array  $what   What to record in e2e-sleeping.json.
 */
function e2e_remote_only_maybe_sleep( $option, $what ) {
	static $calls = array();
	$nth = (int) get_option( $option, 0 );
	if ( $nth < 1 ) {
		return;
	}
	$calls[ $option ] = isset( $calls[ $option ] ) ? $calls[ $option ] + 1 : 1;
	if ( $calls[ $option ] !== $nth ) {
		return;
	}
	$what['hook']  = $option;
	$what['pid']   = getmypid();
	$what['calls'] = $calls[ $option ];
	file_put_contents( ABSPATH . 'e2e-sleeping.json', wp_json_encode( $what ) );
	// Long enough for the test to kill this process; short enough that a forgotten option cannot hang a run.
	sleep( 120 );
}

add_action(
	'media_offload_removing_local',
	function ( $attachment_id, $relative, $full_path ) {
		e2e_remote_only_maybe_sleep(
			'e2e_sleep_removing',
			array(
				'attachment' => $attachment_id,
				'relative'   => $relative,
				'path'       => $full_path,
				'exists'     => file_exists( $full_path ),
			)
		);
	},
	10,
	3
);

add_action(
	'media_offload_restoring_local',
	function ( $attachment_id, $relative, $part_file ) {
		e2e_remote_only_maybe_sleep(
			'e2e_sleep_restoring',
			array(
				'attachment' => $attachment_id,
				'relative'   => $relative,
				'part'       => $part_file,
				'exists'     => file_exists( $part_file ),
			)
		);
	},
	10,
	3
);

add_filter(
	'pre_http_request',
	function ( $pre, $args, $url ) {
		$line = wp_json_encode(
			array(
				'method' => isset( $args['method'] ) ? $args['method'] : 'GET',
				'url'    => $url,
				'body'   => isset( $args['body'] ) && is_string( $args['body'] ) ? $args['body'] : null,
				'stream' => ! empty( $args['stream'] ),
				'file'   => isset( $args['filename'] ) ? $args['filename'] : null,
			)
		);
		file_put_contents( ABSPATH . 'e2e-http.jsonl', $line . "\n", FILE_APPEND | LOCK_EX );
		return $pre;
	},
	1,
	3
);

add_filter(
	'pre_http_request',
	function ( $pre, $args, $url ) {
		static $inside = false;
		$via = (string) get_option( 'e2e_download_via', '' );
		// A presigned S3 GET (path or virtual-hosted style): the restore's download.
		if ( false !== $pre || '' === $via || $inside || false === strpos( (string) $url, 'X-Amz-Signature=' ) ) {
			return $pre;
		}
		$inside                     = true;
		$args['reject_unsafe_urls'] = false;
		$response                   = wp_remote_request( $via, $args );
		$inside                     = false;
		return $response;
	},
	5,
	3
);

add_action(
	'rest_api_init',
	function () {
		register_rest_route(
			'e2e/v1',
			'/restore/(?P<id>\d+)',
			array(
				'methods'             => 'POST',
				'permission_callback' => function () {
					return current_user_can( 'manage_options' );
				},
				'callback'            => function ( $request ) {
					$id = (int) $request['id'];
					add_filter( 'media_offload_restore_on_demand', '__return_true' );
					$attached = get_attached_file( $id );
					$original = function_exists( 'wp_get_original_image_path' ) ? wp_get_original_image_path( $id ) : false;
					remove_filter( 'media_offload_restore_on_demand', '__return_true' );
					return array(
						'attached'       => $attached,
						'attachedExists' => $attached && file_exists( $attached ),
						'original'       => $original,
						'originalExists' => $original && file_exists( $original ),
					);
				},
			)
		);
	}
);
