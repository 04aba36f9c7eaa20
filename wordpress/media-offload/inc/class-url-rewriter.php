<?php
/**
 * Swaps the uploads host for the CDN in attachment URLs, srcset and post content.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Pure URL rewriting, constructed from the site's uploads base URL and the CDN base that maps to it.
 * Media keys are {KeyPrefix}/{path}, so a CDN URL is the uploads URL with another host (DESIGN §5).
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
	 * Constructor.
	 *
	 * @param string $local_base Uploads base URL of the current site (wp_upload_dir()['baseurl']).
	 * @param string $cdn_base   CDN URL the same files live under, including key prefix and any sites/N.
	 */
	public function __construct( $local_base, $cdn_base ) {
		$this->local = self::strip_scheme( rtrim( (string) $local_base, '/' ) );
		$this->cdn   = rtrim( (string) $cdn_base, '/' );
	}

	/**
	 * Builds the CDN base for a site.
	 *
	 * @param string $cdn_domain  Setting: "cdn.example.com" or "https://cdn.example.com".
	 * @param string $key_prefix  Setting: "wp-content/uploads".
	 * @param string $site_prefix "sites/N/" on a multisite subsite, else "".
	 * @return string
	 */
	public static function cdn_base( $cdn_domain, $key_prefix, $site_prefix ) {
		$domain = trim( (string) $cdn_domain );
		if ( '' === $domain ) {
			return '';
		}
		if ( ! preg_match( '#^https?://#i', $domain ) ) {
			$domain = 'https://' . $domain;
		}
		$base   = rtrim( $domain, '/' );
		$prefix = trim( (string) $key_prefix, '/' );
		if ( '' !== $prefix ) {
			$base .= '/' . $prefix;
		}
		$site = trim( (string) $site_prefix, '/' );
		return '' === $site ? $base : $base . '/' . $site;
	}

	/**
	 * Rewrites one URL when it is an offloadable file under the uploads base; anything else is returned as is.
	 *
	 * @param string $url URL.
	 * @return string
	 */
	public function rewrite_url( $url ) {
		if ( ! is_string( $url ) || '' === $this->cdn || '' === $this->local ) {
			return $url;
		}
		$bare = self::strip_scheme( $url );
		if ( 0 !== strpos( $bare, $this->local . '/' ) ) {
			return $url;
		}
		$rest = substr( $bare, strlen( $this->local ) );
		$path = preg_replace( '/[?#].*$/', '', $rest );
		if ( ! Paths::is_offloadable( $path ) || false !== strpos( $path, '/../' ) ) {
			return $url;
		}
		return $this->cdn . $rest;
	}

	/**
	 * Rewrites wp_calculate_image_srcset() sources.
	 *
	 * @param array $sources Sources keyed by width, each with a 'url'.
	 * @return array
	 */
	public function rewrite_srcset( $sources ) {
		if ( ! is_array( $sources ) ) {
			return $sources;
		}
		foreach ( $sources as $width => $source ) {
			if ( isset( $source['url'] ) ) {
				$sources[ $width ]['url'] = $this->rewrite_url( $source['url'] );
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
