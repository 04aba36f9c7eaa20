<?php
/**
 * A site's part of the network's key space.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Where one site's files live below the key prefix (docs/plugin.md, "Multisite"; docs/status.md, "Sites and their
 * secrets"). Every path the plugin sends or stores (events, deletes, the manifest, the owner index, URL rewriting, the
 * variant fallback) is relative to the network's main uploads folder, so it is made here and nowhere else:
 * - a single site, and the main site of a network: its uploads-relative path, unchanged (`2026/12/x.jpg`);
 * - any other site of a network: `sites/{blogId}/` in front (`sites/2/2026/12/x.jpg`), which is where WordPress keeps
 *   its uploads (`wp_upload_dir()` on it is `…/uploads/sites/{blogId}`).
 *
 * The main site of a network leaves every `sites/{digits}/` folder to the subsites: a file of its own that WordPress
 * would keep there (a filtered upload_dir, an import) gets no path, so it is never sent, indexed, deleted or
 * rewritten in a subsite's name. A single site has no such folders and keeps every path, as before.
 */
final class Key_Space {

	/** A subsite's prefix: `sites/` and a blog id without leading zeros. */
	const SUBSITE_PREFIX = '#^sites/([1-9][0-9]*)/$#D';

	/** A path inside some subsite's key space, as the main site of a network must leave alone. */
	const SUBSITE_PATH = '#^sites/([0-9]+)/.#';

	/**
	 * "sites/{blogId}/" or "".
	 *
	 * @var string
	 */
	private $prefix;

	/**
	 * Whether the site is part of a network (its main site then leaves the subsites' folders alone).
	 *
	 * @var bool
	 */
	private $network;

	/**
	 * Constructor; use for_site(), current() or of().
	 *
	 * @param string $prefix  "sites/{blogId}/" or "".
	 * @param bool   $network Part of a network.
	 */
	private function __construct( $prefix, $network ) {
		$this->prefix  = $prefix;
		$this->network = $network;
	}

	/**
	 * The key space of a site. Pure.
	 *
	 * Mirrors where _wp_upload_dir() puts a site's uploads: below the main folder for a single site and for the main
	 * site of the main network, below `sites/{blogId}` for every other site of a network.
	 *
	 * @param bool $is_multisite Whether WordPress runs a network.
	 * @param bool $is_main_site Whether this is the main site of the main network (is_main_network() && is_main_site()).
	 * @param int  $blog_id      The site's blog id.
	 * @return Key_Space
	 */
	public static function for_site( $is_multisite, $is_main_site, $blog_id ) {
		$blog_id = (int) $blog_id;
		if ( ! $is_multisite || $is_main_site || $blog_id < 1 ) {
			return new self( '', (bool) $is_multisite );
		}
		return new self( 'sites/' . $blog_id . '/', true );
	}

	/**
	 * The key space of the site WordPress is on now (switch_to_blog() included).
	 *
	 * @return Key_Space
	 */
	public static function current() {
		if ( ! is_multisite() ) {
			return self::for_site( false, true, 1 );
		}
		return self::for_site( true, is_main_network() && is_main_site(), get_current_blog_id() );
	}

	/**
	 * A key space from its prefix, for the pure helpers that are handed one: "sites/N/" is a subsite's, anything else
	 * (the empty string included) a single site's. An existing Key_Space is returned as it is. Pure.
	 *
	 * @param Key_Space|string $space Key space or prefix.
	 * @return Key_Space
	 */
	public static function of( $space ) {
		if ( $space instanceof self ) {
			return $space;
		}
		$space = (string) $space;
		return preg_match( self::SUBSITE_PREFIX, $space ) ? new self( $space, true ) : new self( '', false );
	}

	/**
	 * The prefix: "sites/{blogId}/" on a subsite, else "".
	 *
	 * @return string
	 */
	public function prefix() {
		return $this->prefix;
	}

	/**
	 * Whether this is a subsite's key space.
	 *
	 * @return bool
	 */
	public function is_subsite() {
		return '' !== $this->prefix;
	}

	/**
	 * The path a file of this site is keyed by (below the key prefix), in NFC, or null when it has none: a path
	 * Paths::clean() refuses (traversal, empty segments, control characters), or, on the main site of a network, a
	 * path inside a subsite's folder. Pure.
	 *
	 * @param string $relative The file's path below this site's uploads folder, as on disk.
	 * @return string|null e.g. sites/2/2026/12/x.jpg
	 */
	public function path( $relative ) {
		$clean = Paths::clean( $relative );
		if ( null === $clean ) {
			return null;
		}
		if ( ! $this->is_subsite() && $this->network && preg_match( self::SUBSITE_PATH, $clean ) ) {
			return null;
		}
		return $this->prefix . $clean;
	}

	/**
	 * The inverse of path(): the part of a key-space path below this site's uploads folder, or null when the path is
	 * not in this key space. Pure.
	 *
	 * @param string $path Key-space path, e.g. sites/2/2026/12/x.jpg.
	 * @return string|null e.g. 2026/12/x.jpg
	 */
	public function relative( $path ) {
		$path = (string) $path;
		if ( '' !== $this->prefix && 0 !== strpos( $path, $this->prefix ) ) {
			return null;
		}
		$rest = (string) substr( $path, strlen( $this->prefix ) );
		$key  = $this->path( $rest );
		return null !== $key && $key === Paths::nfc( $path ) ? $rest : null;
	}

	/**
	 * The subsite whose folder holds a path below the network's main uploads folder, or 0. Only the main site of a
	 * network hands such paths on (its uploads URL is the parent of every subsite's on the CDN's fallback). Pure.
	 *
	 * @param string $relative Path below the main uploads folder, e.g. sites/2/2026/12/x.jpg.
	 * @return int Blog id, or 0.
	 */
	public function subsite_of( $relative ) {
		if ( $this->is_subsite() || ! $this->network || ! preg_match( self::SUBSITE_PATH, (string) $relative, $m ) ) {
			return 0;
		}
		return (string) (int) $m[1] === $m[1] ? (int) $m[1] : 0;
	}

	/**
	 * Whether the site's uploads folder and URL are where this key space says, so that the uploads base URL plus a
	 * file's path below the site's folder is the file's URL: on a subsite both end in /sites/{blogId}. A network
	 * whose subsites keep uploads elsewhere (blogs.dir and /files/ URLs from before WordPress 3.5, an UPLOADS
	 * constant) has files the service cannot key. Pure.
	 *
	 * @param string $basedir wp_upload_dir()['basedir'].
	 * @param string $baseurl wp_upload_dir()['baseurl'].
	 * @return bool
	 */
	public function matches_uploads( $basedir, $baseurl ) {
		if ( ! $this->is_subsite() ) {
			return true;
		}
		$tail = '/' . rtrim( $this->prefix, '/' );
		$dir  = rtrim( str_replace( '\\', '/', (string) $basedir ), '/' );
		$url  = rtrim( (string) preg_replace( '/[?#].*$/s', '', (string) $baseurl ), '/' );
		return substr( $dir, -strlen( $tail ) ) === $tail && substr( $url, -strlen( $tail ) ) === $tail;
	}
}
