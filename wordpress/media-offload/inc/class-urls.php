<?php
/**
 * Points attachment URLs, srcset and post content at the CDN.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Hooks Url_Rewriter into WordPress when rewriting is on and a CDN domain is set.
 */
class Urls {

	/**
	 * Rewriters by blog ID.
	 *
	 * @var Url_Rewriter[]
	 */
	private $rewriters = array();

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_filter( 'wp_get_attachment_url', array( $this, 'filter_url' ), 99 );
		add_filter( 'wp_calculate_image_srcset', array( $this, 'filter_srcset' ), 99 );
		add_filter( 'the_content', array( $this, 'filter_content' ), 99 );
		add_filter( 'widget_text_content', array( $this, 'filter_content' ), 99 );
		add_filter( 'widget_block_content', array( $this, 'filter_content' ), 99 );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_filter( 'wp_get_attachment_url', array( $this, 'filter_url' ), 99 );
		remove_filter( 'wp_calculate_image_srcset', array( $this, 'filter_srcset' ), 99 );
		remove_filter( 'the_content', array( $this, 'filter_content' ), 99 );
		remove_filter( 'widget_text_content', array( $this, 'filter_content' ), 99 );
		remove_filter( 'widget_block_content', array( $this, 'filter_content' ), 99 );
	}

	/**
	 * The rewriter of the current site, or null when rewriting is off.
	 *
	 * @return Url_Rewriter|null
	 */
	public function rewriter() {
		if ( ! Settings::get( 'rewrite_urls' ) || '' === Settings::get( 'cdn_domain' ) ) {
			return null;
		}
		$blog = get_current_blog_id();
		if ( ! isset( $this->rewriters[ $blog ] ) ) {
			$uploads = wp_upload_dir( null, false );
			$cdn     = Url_Rewriter::cdn_base( Settings::get( 'cdn_domain' ), Settings::get( 'key_prefix' ), Paths::site_prefix( $uploads['basedir'] ) );
			/**
			 * Filters the CDN base URL that replaces the uploads base URL.
			 *
			 * @param string $cdn     e.g. https://cdn.example.com/wp-content/uploads.
			 * @param array  $uploads wp_upload_dir().
			 */
			$cdn = apply_filters( 'media_offload_cdn_base', $cdn, $uploads );

			$this->rewriters[ $blog ] = new Url_Rewriter( $uploads['baseurl'], $cdn );
		}
		return $this->rewriters[ $blog ];
	}

	/**
	 * Forgets cached rewriters, e.g. after the settings changed.
	 */
	public function reset() {
		$this->rewriters = array();
	}

	/**
	 * Filter for wp_get_attachment_url.
	 *
	 * @param string $url URL.
	 * @return string
	 */
	public function filter_url( $url ) {
		$rewriter = $this->rewriter();
		return $rewriter ? $rewriter->rewrite_url( $url ) : $url;
	}

	/**
	 * Filter for wp_calculate_image_srcset.
	 *
	 * @param array $sources Sources.
	 * @return array
	 */
	public function filter_srcset( $sources ) {
		$rewriter = $this->rewriter();
		return $rewriter ? $rewriter->rewrite_srcset( $sources ) : $sources;
	}

	/**
	 * Filter for the_content and widget content.
	 *
	 * @param string $content HTML.
	 * @return string
	 */
	public function filter_content( $content ) {
		$rewriter = $this->rewriter();
		return $rewriter ? $rewriter->rewrite_content( $content ) : $content;
	}
}
