<?php
/**
 * GET /wp-json/media-offload/v1/manifest, read by the service's reconciler.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * The signed, paged manifest of the media library (docs/plugin.md, "Manifest"): files sorted by path in byte order, the order S3
 * lists keys in, paged by an opaque cursor.
 */
class Manifest_Route {

	const NAMESPACE_V1  = 'media-offload/v1';
	const DEFAULT_LIMIT = 500;
	const MAX_LIMIT     = 1000;

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( 'rest_api_init', array( $this, 'register' ) );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_action( 'rest_api_init', array( $this, 'register' ) );
	}

	/**
	 * Registers the route.
	 */
	public function register() {
		register_rest_route(
			self::NAMESPACE_V1,
			'/manifest',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'respond' ),
				'permission_callback' => array( $this, 'check_signature' ),
				'args'                => array(
					'cursor' => array(
						'type'    => 'string',
						'default' => '',
					),
					'limit'  => array(
						'type'    => 'integer',
						'default' => self::DEFAULT_LIMIT,
						'minimum' => 1,
						'maximum' => self::MAX_LIMIT,
					),
				),
			)
		);
	}

	/**
	 * Refuses unsigned, wrongly signed and stale requests with 401.
	 *
	 * @param \WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function check_signature( $request ) {
		// The service signs the request target exactly as it sent it, before any decoding.
		$target = isset( $_SERVER['REQUEST_URI'] ) ? wp_unslash( $_SERVER['REQUEST_URI'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- compared byte for byte, never output.
		$check  = Signer::verify(
			Settings::accepted_secrets(),
			Signer::AUDIENCE_PLUGIN,
			Settings::accepts_signature_v1(),
			$request->get_header( 'x_mediaoffload_timestamp' ),
			$request->get_header( 'x_mediaoffload_signature' ),
			$request->get_method(),
			(string) $target,
			(string) $request->get_body()
		);
		if ( Signer::VALID === $check ) {
			return true;
		}
		$messages = array(
			Signer::MISSING   => __( 'The X-MediaOffload-Timestamp and X-MediaOffload-Signature headers are required.', 'media-offload' ),
			Signer::MALFORMED => __( 'The signature headers are malformed.', 'media-offload' ),
			Signer::EXPIRED   => __( 'The timestamp is more than 300 seconds away from the server clock.', 'media-offload' ),
			Signer::MISMATCH  => __( 'The signature does not match the request.', 'media-offload' ),
			Signer::VERSION_REFUSED => __( 'Signature version 1 is not accepted; the service must sign with v2 (or define MEDIA_OFFLOAD_ACCEPT_SIGNATURE_V1 while upgrading).', 'media-offload' ),
		);
		return new \WP_Error( 'media_offload_signature_' . $check, $messages[ $check ], array( 'status' => 401 ) );
	}

	/**
	 * One page of the manifest.
	 *
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function respond( $request ) {
		// Signed, but this PHP cannot put names into NFC: a page now could list a decomposed name out of S3's order
		// under a key the service never wrote. 503 tells the reconciler to try again later and says why.
		if ( ! Requirements::met() ) {
			return new \WP_Error( 'media_offload_intl_missing', Requirements::message(), array( 'status' => 503 ) );
		}
		$after = Manifest_Index::decode_cursor( (string) $request->get_param( 'cursor' ) );
		if ( null === $after ) {
			return new \WP_Error( 'media_offload_bad_cursor', __( 'The cursor is not one this site issued.', 'media-offload' ), array( 'status' => 400 ) );
		}
		$page     = Manifest_Index::page( $after, (int) $request->get_param( 'limit' ) );
		$response = new \WP_REST_Response(
			array(
				'files'      => $page['files'],
				'nextCursor' => Manifest_Index::encode_cursor( $page['next'] ),
			)
		);
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}
}
