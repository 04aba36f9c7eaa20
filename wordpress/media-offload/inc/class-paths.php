<?php
/**
 * Uploads paths, offloadable types and URL encoding.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Pure helpers shared by events, the manifest and URL rewriting. No WordPress dependency.
 */
class Paths {

	/**
	 * The service's allowlist (MediaOffload.Core/Media/MediaTypes.cs): extension => MIME type.
	 * Anything else (PHP, HTML, SVG, scripts, archives) is never sent and never rewritten.
	 */
	const TYPES = array(
		'jpg'   => 'image/jpeg',
		'jpeg'  => 'image/jpeg',
		'jpe'   => 'image/jpeg',
		'png'   => 'image/png',
		'gif'   => 'image/gif',
		'webp'  => 'image/webp',
		'avif'  => 'image/avif',
		'heic'  => 'image/heic',
		'bmp'   => 'image/bmp',
		'ico'   => 'image/x-icon',
		'mp3'   => 'audio/mpeg',
		'm4a'   => 'audio/mp4',
		'ogg'   => 'audio/ogg',
		'oga'   => 'audio/ogg',
		'wav'   => 'audio/wav',
		'flac'  => 'audio/flac',
		'mp4'   => 'video/mp4',
		'm4v'   => 'video/mp4',
		'mov'   => 'video/quicktime',
		'webm'  => 'video/webm',
		'mkv'   => 'video/x-matroska',
		'ogv'   => 'video/ogg',
		'avi'   => 'video/x-msvideo',
		'3gp'   => 'video/3gpp',
		'pdf'   => 'application/pdf',
		'doc'   => 'application/msword',
		'xls'   => 'application/vnd.ms-excel',
		'ppt'   => 'application/vnd.ms-powerpoint',
		'docx'  => 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
		'xlsx'  => 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
		'pptx'  => 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
		'odt'   => 'application/vnd.oasis.opendocument.text',
		'ods'   => 'application/vnd.oasis.opendocument.spreadsheet',
		'odp'   => 'application/vnd.oasis.opendocument.presentation',
		'woff'  => 'font/woff',
		'woff2' => 'font/woff2',
		'ttf'   => 'font/ttf',
		'otf'   => 'font/otf',
	);

	/** The formats of the variants the service writes next to an image: <key>.webp, <key>.avif (docs/keys.md). */
	const VARIANT_FORMATS = array( 'webp', 'avif' );

	/**
	 * The last segment of a variant key: an image name, then the variant's extension (docs/keys.md, "Variant keys
	 * are reserved"): a JPEG, PNG or GIF name then one of VARIANT_FORMATS, or an AVIF name then .webp (an AVIF
	 * original has only a WebP variant), with a non-empty name in front.
	 */
	const RESERVED_VARIANT_NAME = '/^.+\.(?:(?:jpg|jpeg|png|gif)\.(?:webp|avif)|avif\.webp)$/i';

	/** What the service, the CLI, the template and the plugin all accept as KeyPrefix (docs/keys.md, "Media keys"). */
	const KEY_PREFIX = '#^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$#D';

	/**
	 * Lower-case extension of the last segment, or ''.
	 *
	 * @param string $path Path or URL path.
	 * @return string
	 */
	public static function extension( $path ) {
		$name = basename( (string) $path );
		$dot  = strrpos( $name, '.' );
		return ( false === $dot || 0 === $dot ) ? '' : strtolower( substr( $name, $dot + 1 ) );
	}

	/**
	 * Whether the service may offload a file of this name.
	 *
	 * @param string $path Path.
	 * @return bool
	 */
	public static function is_offloadable( $path ) {
		return isset( self::TYPES[ self::extension( $path ) ] );
	}

	/**
	 * MIME type by extension, or null when the type is not offloadable.
	 *
	 * @param string $path Path.
	 * @return string|null
	 */
	public static function mime( $path ) {
		$ext = self::extension( $path );
		return isset( self::TYPES[ $ext ] ) ? self::TYPES[ $ext ] : null;
	}

	/**
	 * Whether a file's name is the shape of another image's variant key, e.g. victim.jpg.webp or a.PNG.avif.
	 *
	 * Such a file is never sent, indexed or rewritten (docs/keys.md, "Variant keys are reserved"): its key holds
	 * what browsers get for another image, so an upload of that name must not replace it. photo.webp and
	 * victim.jpg-300x200.webp are ordinary files. The service's rule is VariantKeys.IsReservedName.
	 *
	 * @param string $path Path, URL path or file name; only the last segment counts.
	 * @return bool
	 */
	public static function is_reserved_variant_name( $path ) {
		$path    = str_replace( '\\', '/', (string) $path );
		$slash   = strrpos( $path, '/' );
		$segment = false === $slash ? $path : substr( $path, $slash + 1 );
		return 1 === preg_match( self::RESERVED_VARIANT_NAME, $segment );
	}

	/**
	 * The source and the format of a variant key's shape, or null for any other name: 2024/05/a.JPG.AVIF gives
	 * array( '2024/05/a.JPG', 'avif' ). Exactly the names is_reserved_variant_name() reserves.
	 *
	 * @param string $path Path, URL path or key.
	 * @return array|null array( source path, lower-case format ).
	 */
	public static function variant_source( $path ) {
		if ( ! self::is_reserved_variant_name( $path ) ) {
			return null;
		}
		$dot = strrpos( $path, '.' );
		return array( substr( $path, 0, $dot ), strtolower( substr( $path, $dot + 1 ) ) );
	}

	/**
	 * Whether a key prefix is one the service accepts: segments of letters, digits, '.', '_' and '-', joined by
	 * single slashes, none of them '.' or '..' (docs/keys.md, "Media keys"). Anything else could carry markup or a
	 * traversal into the CDN URLs the plugin prints, so it is refused rather than cleaned.
	 *
	 * @param string $prefix Key prefix, without leading or trailing slash.
	 * @return bool
	 */
	public static function is_valid_key_prefix( $prefix ) {
		$prefix = (string) $prefix;
		if ( ! preg_match( self::KEY_PREFIX, $prefix ) ) {
			return false;
		}
		foreach ( explode( '/', $prefix ) as $segment ) {
			if ( '.' === $segment || '..' === $segment ) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Whether a path is already in NFC, so its on-disk name and its key are the same bytes.
	 *
	 * @param string $path Path.
	 * @return bool
	 */
	public static function is_nfc( $path ) {
		return self::nfc( $path ) === (string) $path;
	}

	/**
	 * Percent-encodes each segment (RFC 3986), keeping the slashes: "2024/05/a b+c.jpg" => "2024/05/a%20b%2Bc.jpg".
	 *
	 * @param string $path Uploads-relative path.
	 * @return string
	 */
	public static function encode( $path ) {
		return implode( '/', array_map( 'rawurlencode', explode( '/', (string) $path ) ) );
	}

	/**
	 * Normalises a relative path: forward slashes, no leading slash, no empty, "." or ".." segments.
	 * Returns null for a path that may not be sent.
	 *
	 * Unicode is normalised to NFC, the form the service keys objects by, unless $nfc is false: the file on disk
	 * keeps the bytes WordPress wrote (a macOS upload can be NFD), and only the key and the manifest path are NFC.
	 *
	 * @param string $path Path relative to the uploads directory.
	 * @param bool   $nfc  Normalise to NFC.
	 * @return string|null
	 */
	public static function clean( $path, $nfc = true ) {
		$path = str_replace( '\\', '/', (string) $path );
		$path = ltrim( $path, '/' );
		if ( '' === $path || preg_match( '/[\x00-\x1f\x7f]/', $path ) ) {
			return null;
		}
		foreach ( explode( '/', $path ) as $segment ) {
			if ( '' === $segment || '.' === $segment || '..' === $segment ) {
				return null;
			}
		}
		return $nfc ? self::nfc( $path ) : $path;
	}

	/**
	 * NFC form of a path, as the service keys it. Needs the intl extension for non-ASCII paths; without it the
	 * path is returned unchanged (see can_normalize()).
	 *
	 * @param string $path Path.
	 * @return string
	 */
	public static function nfc( $path ) {
		$path = (string) $path;
		if ( preg_match( '/[\x80-\xff]/', $path ) && self::can_normalize() && ! \Normalizer::isNormalized( $path, \Normalizer::FORM_C ) ) {
			$normal = \Normalizer::normalize( $path, \Normalizer::FORM_C );
			if ( is_string( $normal ) && '' !== $normal ) {
				$path = $normal;
			}
		}
		return $path;
	}

	/**
	 * Whether Unicode normalisation is available (PHP's intl extension).
	 *
	 * @return bool
	 */
	public static function can_normalize() {
		return class_exists( '\Normalizer' );
	}

	/**
	 * ISO 8601 UTC time as the service expects it.
	 *
	 * @param int $timestamp Unix seconds.
	 * @return string e.g. 2024-05-01T10:00:00Z
	 */
	public static function iso_time( $timestamp ) {
		return gmdate( 'Y-m-d\TH:i:s\Z', (int) $timestamp );
	}

	/**
	 * The scheme://host[:port] of a URL, or '' when it has none.
	 *
	 * @param string $url URL.
	 * @return string
	 */
	public static function origin( $url ) {
		$parts = parse_url( (string) $url ); // phpcs:ignore WordPress.WP.AlternativeFunctions.parse_url_parse_url -- pure helper, no WordPress here.
		if ( empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
			return '';
		}
		return strtolower( $parts['scheme'] ) . '://' . strtolower( $parts['host'] ) . ( isset( $parts['port'] ) ? ':' . (int) $parts['port'] : '' );
	}
}
