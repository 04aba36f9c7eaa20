<?php
/**
 * Swaps the uploads host for the CDN in attachment URLs, srcset and post content.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Pure URL rewriting, constructed from the site's uploads base URL and the CDN base that maps to it.
 * Media keys are {KeyPrefix}/{path}, so a CDN URL is the uploads URL with another host (README, "The contract").
 *
 * A URL goes to the CDN only when the CDN holds that file's bytes (docs/keys.md): never a reserved variant name,
 * and never a file whose NFC path another attachment owns. The owners collaborator answers from the index.
 */
class Url_Rewriter {

	/**
	 * Uploads base URL without scheme, e.g. //blog.example.com/wp-content/uploads/sites/2.
	 *
	 * @var string
	 */
	private $local;

	/**
	 * CDN base URL, e.g. https://cdn.example.com/wp-content/uploads/sites/2.
	 *
	 * @var string
	 */
	private $cdn;

	/**
	 * Who owns a path: an object with owner_name( $path, $is_nfc, $attachment_id ) returning the owner's on-disk
	 * name or null (Index_Owners). Null: no index, so only NFC names are rewritten.
	 *
	 * @var object|null
	 */
	private $owners;

	/**
	 * The site's key space: index paths carry its "sites/N/" on a subsite, uploads-relative URL paths do not.
	 *
	 * @var Key_Space
	 */
	private $space;

	/**
	 * Constructor.
	 *
	 * @param string           $local_base Uploads base URL of the current site (wp_upload_dir()['baseurl']).
	 * @param string           $cdn_base   CDN URL the same files live under, including key prefix and any sites/N.
	 * @param object|null      $owners     Ownership lookups (see $owners).
	 * @param Key_Space|string $space      The site's key space, or its prefix: "sites/N/" or "".
	 */
	public function __construct( $local_base, $cdn_base, $owners = null, $space = '' ) {
		$this->local  = self::strip_scheme( rtrim( (string) $local_base, '/' ) );
		$this->cdn    = rtrim( (string) $cdn_base, '/' );
		$this->owners = $owners;
		$this->space  = Key_Space::of( $space );
	}

	/**
	 * Builds the CDN base for a site, or '' when the settings cannot make a safe one: the domain must be a host name
	 * (with an optional port, and optionally http(s)://) and the key prefix must pass Paths::is_valid_key_prefix().
	 *
	 * @param string $cdn_domain  Setting: "cdn.example.com" or "https://cdn.example.com".
	 * @param string $key_prefix  Setting: "wp-content/uploads".
	 * @param string $site_prefix Key_Space::prefix(): "sites/N/" on a multisite subsite, else "".
	 * @return string
	 */
	public static function cdn_base( $cdn_domain, $key_prefix, $site_prefix ) {
		$domain = rtrim( trim( (string) $cdn_domain ), '/' );
		if ( '' === $domain || ! preg_match( '#^(?:https?://)?[A-Za-z0-9.-]+(?::[0-9]{1,5})?$#D', $domain ) ) {
			return '';
		}
		if ( ! preg_match( '#^https?://#i', $domain ) ) {
			$domain = 'https://' . $domain;
		}
		$prefix = trim( (string) $key_prefix, '/' );
		if ( ! Paths::is_valid_key_prefix( $prefix ) ) {
			return '';
		}
		$base = $domain . '/' . $prefix;
		$site = trim( (string) $site_prefix, '/' );
		if ( '' !== $site && Key_Space::of( $site . '/' )->prefix() !== $site . '/' ) {
			return '';
		}
		return '' === $site ? $base : $base . '/' . $site;
	}

	/**
	 * The ownership rule for one file's URL (docs/keys.md, "Two names, one key"). Pure.
	 *
	 * @param string      $relative   Uploads-relative path as the URL names it, percent-decoded (the on-disk name).
	 * @param string|null $owner_name The on-disk name of the file that owns its NFC path, or null when the index
	 *                                names no owner other than possibly this very file.
	 * @return bool Whether the CDN serves this file's bytes at the URL's NFC key.
	 */
	public static function may_rewrite( $relative, $owner_name ) {
		$relative = (string) $relative;
		if ( ! preg_match( '//u', $relative ) || ! Paths::is_offloadable( $relative ) || Paths::is_reserved_variant_name( $relative ) ) {
			return false;
		}
		if ( null === $owner_name ) {
			// Unknown to the index: its key is its name only when the name is NFC already.
			return Paths::is_nfc( $relative );
		}
		return (string) $owner_name === $relative;
	}

	/**
	 * Rewrites one URL when it is an offloadable file under the uploads base that the CDN holds; anything else is
	 * returned as is.
	 *
	 * @param string $url           URL.
	 * @param int    $attachment_id The attachment the URL belongs to, when the caller knows it (0 otherwise).
	 * @return string
	 */
	public function rewrite_url( $url, $attachment_id = 0 ) {
		if ( ! is_string( $url ) || '' === $this->cdn || '' === $this->local ) {
			return $url;
		}
		$bare = self::strip_scheme( $url );
		if ( 0 !== strpos( $bare, $this->local . '/' ) ) {
			return $url;
		}
		$rest    = substr( $bare, strlen( $this->local ) );
		$encoded = (string) preg_replace( '/[?#].*$/s', '', $rest );
		$suffix  = (string) substr( $rest, strlen( $encoded ) );
		if ( ! Paths::is_offloadable( $encoded ) || false !== strpos( $encoded, '/../' ) ) {
			return $url;
		}
		$relative = Paths::clean( rawurldecode( $encoded ), false );
		if ( null === $relative ) {
			return $url;
		}
		// Outside the site's key space (the main site's URL of a file in a subsite's folder): WordPress serves it.
		$path = $this->space->path( $relative );
		if ( null === $path ) {
			return $url;
		}
		$nfc    = Paths::nfc( $relative );
		$is_nfc = $nfc === $relative;
		$owner  = $this->owners ? $this->owners->owner_name( $path, $is_nfc, (int) $attachment_id ) : null;
		if ( ! self::may_rewrite( $relative, $owner ) ) {
			return $url;
		}
		// The key is NFC: a decomposed name is sent to its NFC key, which is where the service put its bytes.
		return $is_nfc ? $this->cdn . $rest : $this->cdn . '/' . Paths::encode( $nfc ) . $suffix;
	}

	/**
	 * Rewrites wp_calculate_image_srcset() sources.
	 *
	 * @param array $sources       Sources keyed by width, each with a 'url'.
	 * @param int   $attachment_id The attachment (0 when unknown).
	 * @return array
	 */
	public function rewrite_srcset( $sources, $attachment_id = 0 ) {
		if ( ! is_array( $sources ) ) {
			return $sources;
		}
		foreach ( $sources as $width => $source ) {
			if ( isset( $source['url'] ) ) {
				$sources[ $width ]['url'] = $this->rewrite_url( $source['url'], $attachment_id );
			}
		}
		return $sources;
	}

	/**
	 * Rewrites every uploads URL of an offloadable file in HTML: src, srcset, href, inline styles.
	 *
	 * @param string $html Post content.
	 * @return string
	 */
	public function rewrite_content( $html ) {
		if ( ! is_string( $html ) || '' === $this->cdn || '' === $this->local || false === strpos( $html, $this->local ) ) {
			return $html;
		}
		$pattern = '#(?:https?:)?' . preg_quote( $this->local, '#' ) . '/[^\s"\'<>(),\\\\]+#i';
		return preg_replace_callback(
			$pattern,
			function ( $m ) {
				$url = $m[0];
				// Commas never occur in upload names (sanitize_file_name removes them), so one ends a srcset
				// candidate; a trailing semicolon belongs to an inline style.
				$tail = '';
				if ( preg_match( '/;+$/', $url, $t ) ) {
					$tail = $t[0];
					$url  = substr( $url, 0, -strlen( $tail ) );
				}
				if ( 0 === strpos( $url, '//' ) ) {
					$url = 'https:' . $url;
				}
				$rewritten = $this->rewrite_url( $url );
				return ( $rewritten === $url ? $m[0] : $rewritten . $tail );
			},
			$html
		);
	}

	/**
	 * Removes the scheme, keeping the leading //.
	 *
	 * @param string $url URL.
	 * @return string
	 */
	private static function strip_scheme( $url ) {
		return preg_replace( '#^https?:(?=//)#i', '', (string) $url );
	}
}
