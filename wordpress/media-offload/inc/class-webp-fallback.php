<?php
/**
 * Answers <file>.webp with the original until the variant exists.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * When a request for <file>.jpg.webp reaches WordPress (the variant is not in the bucket yet, so CloudFront fell
 * back to the origin, or the web server found no such file), serve the original image instead of a 404.
 */
class Webp_Fallback {

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( 'init', array( $this, 'maybe_serve' ), 0 );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_action( 'init', array( $this, 'maybe_serve' ), 0 );
	}

	/**
	 * The local file a .webp request stands for, or null. Pure apart from the file system.
	 *
	 * @param string $request_path Decoded URL path, e.g. /wp-content/uploads/2024/05/a.jpg.webp.
	 * @param string $base_path    Decoded path of the uploads base URL, e.g. /wp-content/uploads.
	 * @param string $basedir      Uploads base directory.
	 * @return string|null
	 */
	public static function source_file( $request_path, $base_path, $basedir ) {
		if ( '.webp' !== strtolower( substr( $request_path, -5 ) ) ) {
			return null;
		}
		$source = substr( $request_path, 0, -5 );
		if ( ! in_array( Paths::extension( $source ), Paths::VARIANT_SOURCES, true ) ) {
			return null;
		}
		$base_path = rtrim( $base_path, '/' ) . '/';
		if ( 0 !== strpos( $source, $base_path ) ) {
			return null;
		}
		$relative = Paths::clean( substr( $source, strlen( $base_path ) ), false );
		if ( null === $relative ) {
			return null;
		}
		$root = realpath( $basedir );
		$real = realpath( rtrim( $basedir, '/' ) . '/' . $relative );
		if ( false === $root || false === $real || 0 !== strpos( $real, $root . DIRECTORY_SEPARATOR ) || ! is_file( $real ) ) {
			return null;
		}
		return $real;
	}

	/**
	 * Streams the original for a .webp request and stops; does nothing for any other request.
	 */
	public function maybe_serve() {
		if ( empty( $_SERVER['REQUEST_URI'] ) || ! apply_filters( 'media_offload_webp_fallback', true ) ) {
			return;
		}
		$uri = wp_unslash( $_SERVER['REQUEST_URI'] ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- parsed and checked against the uploads directory below.
		if ( false === stripos( $uri, '.webp' ) ) {
			return;
		}
		$uploads = wp_upload_dir( null, false );
		if ( ! empty( $uploads['error'] ) ) {
			return;
		}
		$file = self::source_file(
			rawurldecode( (string) wp_parse_url( $uri, PHP_URL_PATH ) ),
			rawurldecode( (string) wp_parse_url( $uploads['baseurl'], PHP_URL_PATH ) ),
			$uploads['basedir']
		);
		if ( null === $file ) {
			return;
		}
		status_header( 200 );
		header( 'Content-Type: ' . Paths::mime( $file ) );
		header( 'Content-Length: ' . filesize( $file ) );
		// Short-lived, so the real variant takes over once it exists.
		header( 'Cache-Control: public, max-age=300' );
		header( 'X-Media-Offload: webp-fallback-original' );
		if ( ! isset( $_SERVER['REQUEST_METHOD'] ) || 'HEAD' !== $_SERVER['REQUEST_METHOD'] ) {
			readfile( $file ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_read_readfile -- streaming a media file.
		}
		exit;
	}
}
