<?php
/**
 * Answers <file>.avif and <file>.webp with the original until the variant exists.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * When a request for a variant URL, <file>.jpg.avif or <file>.jpg.webp, reaches WordPress (the variant is not in
 * the bucket yet, so CloudFront fell back to the origin, or the web server found no such file), serve the original
 * image instead of a 404. The edge asks for <key>.avif or <key>.webp (docs/deploy.md, "Image negotiation"), so
 * either may be asked for before the service has written it.
 *
 * A variant URL is exactly a name Paths::is_reserved_variant_name() reserves (docs/keys.md, "Variant keys are
 * reserved"). Only for an original the CDN would serve anyway: a file the manifest index lists, under the name its
 * owner has on disk (docs/keys.md, "Two names, one key"). Anything else under uploads (a file no attachment owns, a
 * file a web-server rule keeps private, another attachment's file of the same NFC path) is left to the web server,
 * so appending .avif or .webp never becomes a way around its rules.
 */
class Variant_Fallback {

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
	 * The uploads-relative name (as on disk) of the original a variant request stands for, or null. Pure.
	 *
	 * @param string $request_path Decoded URL path, e.g. /wp-content/uploads/2024/05/a.jpg.avif.
	 * @param string $base_path    Decoded path of the uploads base URL, e.g. /wp-content/uploads.
	 * @return string|null e.g. 2024/05/a.jpg
	 */
	public static function source_name( $request_path, $base_path ) {
		$variant = Paths::variant_source( (string) $request_path );
		if ( null === $variant ) {
			return null;
		}
		$base_path = rtrim( (string) $base_path, '/' ) . '/';
		if ( 0 !== strpos( $variant[0], $base_path ) ) {
			return null;
		}
		return Paths::clean( substr( $variant[0], strlen( $base_path ) ), false );
	}

	/**
	 * The local file a variant request stands for, or null. Pure apart from the file system and $owner_name.
	 *
	 * @param string           $request_path Decoded URL path, e.g. /wp-content/uploads/2024/05/a.jpg.avif.
	 * @param string           $base_path    Decoded path of the uploads base URL, e.g. /wp-content/uploads.
	 * @param string           $basedir      Uploads base directory.
	 * @param callable         $owner_name   Key-space path (NFC, with sites/N/) => the on-disk name of its owner per
	 *                                       the index, or null.
	 * @param Key_Space|string $space        The site's key space, or its prefix: "sites/N/" or "".
	 * @return string|null
	 */
	public static function source_file( $request_path, $base_path, $basedir, $owner_name, $space = '' ) {
		$relative = self::source_name( $request_path, $base_path );
		if ( null === $relative || Paths::is_reserved_variant_name( $relative ) ) {
			return null;
		}
		$path = Key_Space::of( $space )->path( $relative );
		if ( null === $path || call_user_func( $owner_name, $path ) !== $relative ) {
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
	 * The original a variant request stands for on this site, or, when the main site of a network is asked for a
	 * file in a subsite's folder, on that subsite: the CDN falls back to the origin with the object's key as its
	 * path (/wp-content/uploads/sites/2/…), which reaches the main site on a subdirectory network. The subsite's own
	 * index decides, and only when the plugin has set it up there (docs/plugin.md, "Multisite").
	 *
	 * @param string $path Decoded request path.
	 * @return string|null
	 */
	private static function current_site_file( $path ) {
		$uploads = wp_upload_dir( null, false );
		if ( ! empty( $uploads['error'] ) ) {
			return null;
		}
		$base_path = rawurldecode( (string) wp_parse_url( $uploads['baseurl'], PHP_URL_PATH ) );
		$relative  = self::source_name( $path, $base_path );
		$blog_id   = null === $relative ? 0 : Key_Space::current()->subsite_of( $relative );
		if ( $blog_id > 0 ) {
			if ( ! get_site( $blog_id ) ) {
				return null;
			}
			switch_to_blog( $blog_id );
			try {
				$uploads = wp_upload_dir( null, false );
				$space   = Key_Space::current();
				if ( ! empty( $uploads['error'] ) || ! Network::is_active_here() || Schema::VERSION !== get_option( Schema::VERSION_OPTION ) || ! $space->matches_uploads( $uploads['basedir'], $uploads['baseurl'] ) ) {
					return null;
				}
				// The subsite's file, named from the main uploads folder: its own base is that folder plus sites/N.
				return self::source_file( $path, rtrim( $base_path, '/' ) . '/' . rtrim( $space->prefix(), '/' ), $uploads['basedir'], array( __CLASS__, 'owner_name' ), $space );
			} finally {
				restore_current_blog();
			}
		}
		return self::source_file( $path, $base_path, $uploads['basedir'], array( __CLASS__, 'owner_name' ), Key_Space::current() );
	}

	/**
	 * The on-disk name of a key-space path's owner in the current site's index, or null.
	 *
	 * @param string $path Key-space path.
	 * @return string|null
	 */
	public static function owner_name( $path ) {
		$row = Manifest_Index::owner_row( $path );
		return $row ? $row['name'] : null;
	}

	/**
	 * Streams the original for a variant request and stops; does nothing for any other request.
	 */
	public function maybe_serve() {
		if ( empty( $_SERVER['REQUEST_URI'] ) ) {
			return;
		}
		$uri     = wp_unslash( $_SERVER['REQUEST_URI'] ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- parsed and checked against the uploads directory and the index below.
		$path    = rawurldecode( (string) wp_parse_url( $uri, PHP_URL_PATH ) );
		$variant = Paths::variant_source( $path );
		if ( null === $variant ) {
			return;
		}
		$serve = apply_filters_deprecated( 'media_offload_webp_fallback', array( true ), VERSION, 'media_offload_variant_fallback' );
		/**
		 * Whether WordPress answers a variant URL with the original (true by default). Return false when the web
		 * server does it itself.
		 *
		 * @param bool   $serve  Whether to serve the original.
		 * @param string $format The variant's format: 'avif' or 'webp'.
		 */
		if ( ! apply_filters( 'media_offload_variant_fallback', $serve, $variant[1] ) ) {
			return;
		}
		$file = self::current_site_file( $path );
		if ( null === $file ) {
			return;
		}
		status_header( 200 );
		header( 'Content-Type: ' . Paths::mime( $file ) );
		header( 'Content-Length: ' . filesize( $file ) );
		// Short-lived, so the real variant takes over once it exists.
		header( 'Cache-Control: public, max-age=300' );
		header( 'X-Media-Offload: ' . $variant[1] . '-fallback-original' );
		if ( ! isset( $_SERVER['REQUEST_METHOD'] ) || 'HEAD' !== $_SERVER['REQUEST_METHOD'] ) {
			readfile( $file ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_read_readfile -- streaming a media file.
		}
		exit;
	}
}
