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
 *
 * Only for an original the CDN would serve anyway: a file the manifest index lists, under the name its owner has on
 * disk (docs/keys.md, "Two names, one key"). Anything else under uploads (a file no attachment owns, a file a
 * web-server rule keeps private, another attachment's file of the same NFC path) is left to the web server, so
 * appending .webp never becomes a way around its rules.
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
	 * The uploads-relative name (as on disk) of the original a .webp request stands for, or null. Pure.
	 *
	 * @param string $request_path Decoded URL path, e.g. /wp-content/uploads/2024/05/a.jpg.webp.
	 * @param string $base_path    Decoded path of the uploads base URL, e.g. /wp-content/uploads.
	 * @return string|null e.g. 2024/05/a.jpg
	 */
	public static function source_name( $request_path, $base_path ) {
		if ( '.webp' !== strtolower( substr( (string) $request_path, -5 ) ) ) {
			return null;
		}
		$source = substr( $request_path, 0, -5 );
		if ( ! in_array( Paths::extension( $source ), Paths::VARIANT_SOURCES, true ) ) {
			return null;
		}
		$base_path = rtrim( (string) $base_path, '/' ) . '/';
		if ( 0 !== strpos( $source, $base_path ) ) {
			return null;
		}
		return Paths::clean( substr( $source, strlen( $base_path ) ), false );
	}

	/**
	 * The local file a .webp request stands for, or null. Pure apart from the file system and $owner_name.
	 *
	 * @param string   $request_path Decoded URL path, e.g. /wp-content/uploads/2024/05/a.jpg.webp.
	 * @param string   $base_path    Decoded path of the uploads base URL, e.g. /wp-content/uploads.
	 * @param string   $basedir      Uploads base directory.
	 * @param callable $owner_name   NFC path (with sites/N/) => the on-disk name of its owner per the index, or null.
	 * @param string   $site_prefix  "sites/N/" or "".
	 * @return string|null
	 */
	public static function source_file( $request_path, $base_path, $basedir, $owner_name, $site_prefix = '' ) {
		$relative = self::source_name( $request_path, $base_path );
		if ( null === $relative || Paths::is_reserved_variant_name( $relative ) ) {
			return null;
		}
		if ( call_user_func( $owner_name, $site_prefix . Paths::nfc( $relative ) ) !== $relative ) {
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
		$uri = wp_unslash( $_SERVER['REQUEST_URI'] ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- parsed and checked against the uploads directory and the index below.
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
			$uploads['basedir'],
			function ( $path ) {
				$row = Manifest_Index::owner_row( $path );
				return $row ? $row['name'] : null;
			},
			Paths::site_prefix( untrailingslashit( $uploads['basedir'] ) )
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
