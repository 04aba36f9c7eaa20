<?php
/**
 * Points attachment URLs, srcset and post content at the CDN.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Hooks Url_Rewriter into WordPress when rewriting is on and a CDN domain is set.
 *
 * The CDN base reaches two kinds of output: HTML (post and widget content, which this plugin writes into) and URLs
 * WordPress hands on, which end up in JSON as often as in HTML and which WordPress escapes where it prints them. The
 * first gets esc_url(), the second esc_url_raw(); either way a base that needed escaping is not used at all.
 */
class Urls {

	/**
	 * Rewriters by blog ID, then 'raw' or 'html'.
	 *
	 * @var array<int,array<string,Url_Rewriter|null>>
	 */
	private $rewriters = array();

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_filter( 'wp_get_attachment_url', array( $this, 'filter_url' ), 99, 2 );
		add_filter( 'wp_calculate_image_srcset', array( $this, 'filter_srcset' ), 99, 5 );
		add_filter( 'wp_get_attachment_image_src', array( $this, 'filter_image_src' ), 99, 3 );
		add_filter( 'the_content', array( $this, 'filter_content' ), 99 );
		add_filter( 'widget_text_content', array( $this, 'filter_content' ), 99 );
		add_filter( 'widget_block_content', array( $this, 'filter_content' ), 99 );
		add_action( Manifest_Index::CHANGED_ACTION, array( $this, 'reset' ) );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_filter( 'wp_get_attachment_url', array( $this, 'filter_url' ), 99 );
		remove_filter( 'wp_calculate_image_srcset', array( $this, 'filter_srcset' ), 99 );
		remove_filter( 'wp_get_attachment_image_src', array( $this, 'filter_image_src' ), 99 );
		remove_filter( 'the_content', array( $this, 'filter_content' ), 99 );
		remove_filter( 'widget_text_content', array( $this, 'filter_content' ), 99 );
		remove_filter( 'widget_block_content', array( $this, 'filter_content' ), 99 );
		remove_action( Manifest_Index::CHANGED_ACTION, array( $this, 'reset' ) );
	}

	/**
	 * The rewriter of the current site, or null when rewriting is off or the settings make no safe CDN base.
	 *
	 * @param string $context 'html' for markup this plugin writes into, 'raw' for URLs handed on to WordPress.
	 * @return Url_Rewriter|null
	 */
	public function rewriter( $context = 'raw' ) {
		if ( ! Settings::get( 'rewrite_urls' ) || '' === Settings::get( 'cdn_domain' ) ) {
			return null;
		}
		$blog = get_current_blog_id();
		if ( ! isset( $this->rewriters[ $blog ] ) ) {
			$uploads = wp_upload_dir( null, false );
			$site    = Key_Space::current();
			// A subsite whose uploads are not below /sites/{id} (pre-3.5 blogs.dir) has no CDN URLs: nothing is there.
			$cdn     = $site->matches_uploads( $uploads['basedir'], $uploads['baseurl'] ) ? Url_Rewriter::cdn_base( Settings::get( 'cdn_domain' ), Settings::get( 'key_prefix' ), $site->prefix() ) : '';
			/**
			 * Filters the CDN base URL that replaces the uploads base URL.
			 *
			 * @param string $cdn     e.g. https://cdn.example.com/wp-content/uploads.
			 * @param array  $uploads wp_upload_dir().
			 */
			$cdn    = '' === $cdn ? '' : (string) apply_filters( 'media_offload_cdn_base', $cdn, $uploads );
			$owners = new Index_Owners();
			$this->rewriters[ $blog ] = array(
				'raw'  => self::make( $uploads['baseurl'], $cdn, esc_url_raw( $cdn, array( 'https', 'http' ) ), $owners, $site ),
				'html' => self::make( $uploads['baseurl'], $cdn, esc_url( $cdn, array( 'https', 'http' ) ), $owners, $site ),
			);
		}
		return $this->rewriters[ $blog ][ 'html' === $context ? 'html' : 'raw' ];
	}

	/**
	 * A rewriter, or null when escaping changed the base (it held something a URL should not).
	 *
	 * @param string       $local   Uploads base URL.
	 * @param string       $cdn     CDN base.
	 * @param string       $escaped The same, escaped for its context.
	 * @param Index_Owners $owners  Ownership lookups.
	 * @param Key_Space    $site    The site's key space.
	 * @return Url_Rewriter|null
	 */
	private static function make( $local, $cdn, $escaped, $owners, $site ) {
		if ( '' === $cdn || $escaped !== $cdn ) {
			return null;
		}
		return new Url_Rewriter( $local, $escaped, $owners, $site );
	}

	/**
	 * Forgets cached rewriters and ownership answers, e.g. after the settings or the index changed.
	 */
	public function reset() {
		$this->rewriters = array();
	}

	/**
	 * Filter for wp_get_attachment_url.
	 *
	 * @param string $url     URL.
	 * @param int    $post_id Attachment ID.
	 * @return string
	 */
	public function filter_url( $url, $post_id = 0 ) {
		$rewriter = $this->rewriter( 'raw' );
		return $rewriter ? $rewriter->rewrite_url( $url, (int) $post_id ) : $url;
	}

	/**
	 * Filter for wp_calculate_image_srcset.
	 *
	 * @param array  $sources       Sources.
	 * @param array  $size_array    Width and height.
	 * @param string $image_src     The image's src.
	 * @param array  $image_meta    Attachment metadata.
	 * @param int    $attachment_id Attachment ID.
	 * @return array
	 */
	public function filter_srcset( $sources, $size_array = array(), $image_src = '', $image_meta = array(), $attachment_id = 0 ) {
		$rewriter = $this->rewriter( 'raw' );
		return $rewriter ? $rewriter->rewrite_srcset( $sources, (int) $attachment_id ) : $sources;
	}

	/**
	 * Filter for wp_get_attachment_image_src: a size's URL gets its own decision.
	 *
	 * WordPress makes a size's URL by swapping the file name in the attachment's (already filtered) URL, so a size
	 * would otherwise inherit the main file's answer: kept on WordPress when only the main file is a reserved name
	 * or a conflict, or sent to the CDN when only the size's NFC path belongs to another attachment.
	 *
	 * @param array|false  $image         [url, width, height, is_intermediate].
	 * @param int          $attachment_id Attachment ID.
	 * @param string|int[] $size          Requested size.
	 * @return array|false
	 */
	public function filter_image_src( $image, $attachment_id = 0, $size = '' ) {
		$rewriter = $this->rewriter( 'raw' );
		if ( ! $rewriter || ! is_array( $image ) || empty( $image[0] ) || empty( $image[3] ) ) {
			return $image;
		}
		$meta = wp_get_attachment_metadata( (int) $attachment_id );
		if ( ! is_array( $meta ) || empty( $meta['file'] ) ) {
			return $image;
		}
		$file    = is_string( $size ) && ! empty( $meta['sizes'][ $size ]['file'] ) ? (string) $meta['sizes'][ $size ]['file'] : wp_basename( $image[0] );
		$dir     = dirname( (string) $meta['file'] );
		$uploads = wp_upload_dir( null, false );
		$local   = untrailingslashit( $uploads['baseurl'] ) . '/' . ( '.' === $dir || '' === $dir ? '' : $dir . '/' ) . wp_basename( $file );
		$image[0] = $rewriter->rewrite_url( $local, (int) $attachment_id );
		return $image;
	}

	/**
	 * Filter for the_content and widget content.
	 *
	 * @param string $content HTML.
	 * @return string
	 */
	public function filter_content( $content ) {
		$rewriter = $this->rewriter( 'html' );
		return $rewriter ? $rewriter->rewrite_content( $content ) : $content;
	}
}
