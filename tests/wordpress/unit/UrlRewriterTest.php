<?php
/**
 * URL rewriting.
 *
 * @package MediaOffload
 */

use MediaOffload\Url_Rewriter;
use PHPUnit\Framework\TestCase;

class UrlRewriterTest extends TestCase {

	private function rewriter( $site_prefix = '' ) {
		$local = 'http://blog.example.com/wp-content/uploads' . ( $site_prefix ? '/' . rtrim( $site_prefix, '/' ) : '' );
		return new Url_Rewriter( $local, Url_Rewriter::cdn_base( 'cdn.example.com', 'wp-content/uploads', $site_prefix ) );
	}

	public function test_cdn_base_adds_https_prefix_and_site() {
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads', Url_Rewriter::cdn_base( 'cdn.example.com', '/wp-content/uploads/', '' ) );
		$this->assertSame( 'http://127.0.0.1:9/media/sites/3', Url_Rewriter::cdn_base( 'http://127.0.0.1:9/', 'media', 'sites/3/' ) );
		$this->assertSame( '', Url_Rewriter::cdn_base( '', 'wp-content/uploads', '' ) );
	}

	public function test_cdn_base_is_empty_for_settings_that_would_put_markup_or_traversal_into_urls() {
		foreach ( array( '', 'x"><img src=x onerror=alert(1)>', 'a/../b', 'a/./b', 'a//b', 'a b' ) as $prefix ) {
			$this->assertSame( '', Url_Rewriter::cdn_base( 'cdn.example.com', $prefix, '' ), $prefix );
		}
		foreach ( array( 'cdn.example.com"><script>alert(1)</script>', 'javascript:alert(1)', 'cdn.example.com/path', 'https://user@cdn.example.com', "cdn.example.com\nevil.example" ) as $domain ) {
			$this->assertSame( '', Url_Rewriter::cdn_base( $domain, 'wp-content/uploads', '' ), $domain );
		}
		$this->assertSame( '', Url_Rewriter::cdn_base( 'cdn.example.com', 'wp-content/uploads', 'sites/x"/' ) );
	}

	public function test_attachment_url_swaps_only_the_host() {
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/photo.jpg', $this->rewriter()->rewrite_url( 'http://blog.example.com/wp-content/uploads/2024/05/photo.jpg' ) );
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/photo.jpg', $this->rewriter()->rewrite_url( 'https://blog.example.com/wp-content/uploads/2024/05/photo.jpg' ) );
	}

	public function test_query_and_encoded_names_are_kept() {
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/Caf%C3%A9%20a%2Bb.jpg?ver=2', $this->rewriter()->rewrite_url( 'http://blog.example.com/wp-content/uploads/2024/05/Caf%C3%A9%20a%2Bb.jpg?ver=2' ) );
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/Café-Ünïcode.jpg', $this->rewriter()->rewrite_url( 'http://blog.example.com/wp-content/uploads/2024/05/Café-Ünïcode.jpg' ) );
	}

	public function test_types_that_are_not_offloadable_stay_local() {
		foreach ( array( 'evil.php', 'page.html', 'logo.svg', 'archive.zip', '.htaccess', 'noext' ) as $name ) {
			$url = 'http://blog.example.com/wp-content/uploads/2024/05/' . $name;
			$this->assertSame( $url, $this->rewriter()->rewrite_url( $url ), $name );
		}
	}

	public function test_other_hosts_and_paths_stay_local() {
		foreach ( array(
			'http://other.example.com/wp-content/uploads/2024/05/photo.jpg',
			'http://blog.example.com/wp-content/themes/t/photo.jpg',
			'http://blog.example.com/wp-content/uploads-old/photo.jpg',
			'http://blog.example.com/wp-content/uploads/../x/photo.jpg',
		) as $url ) {
			$this->assertSame( $url, $this->rewriter()->rewrite_url( $url ) );
		}
	}

	public function test_multisite_paths_keep_sites_n() {
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/sites/2/2024/05/a.png', $this->rewriter( 'sites/2/' )->rewrite_url( 'http://blog.example.com/wp-content/uploads/sites/2/2024/05/a.png' ) );
	}

	public function test_srcset_sources_are_rewritten() {
		$sources = array(
			300  => array( 'url' => 'http://blog.example.com/wp-content/uploads/2024/05/a-300x200.jpg', 'descriptor' => 'w', 'value' => 300 ),
			1024 => array( 'url' => 'http://blog.example.com/wp-content/uploads/2024/05/a-1024x683.jpg', 'descriptor' => 'w', 'value' => 1024 ),
		);
		$out     = $this->rewriter()->rewrite_srcset( $sources );
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/a-300x200.jpg', $out[300]['url'] );
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/a-1024x683.jpg', $out[1024]['url'] );
		$this->assertSame( 'w', $out[300]['descriptor'] );
	}

	public function test_content_rewrites_src_srcset_and_links_but_not_scripts() {
		$html = '<img src="http://blog.example.com/wp-content/uploads/2024/05/a.jpg" srcset="http://blog.example.com/wp-content/uploads/2024/05/a-300x200.jpg 300w, http://blog.example.com/wp-content/uploads/2024/05/a.jpg 1024w">'
			. '<a href="//blog.example.com/wp-content/uploads/2024/05/doc.pdf">doc</a>'
			. '<a href="http://blog.example.com/wp-content/uploads/2024/05/x.php">x</a>'
			. '<div style="background:url(http://blog.example.com/wp-content/uploads/2024/05/bg.png)"></div>'
			. '<a href="http://blog.example.com/2024/05/post/">post</a>';
		$out  = $this->rewriter()->rewrite_content( $html );
		$this->assertStringContainsString( 'src="https://cdn.example.com/wp-content/uploads/2024/05/a.jpg"', $out );
		$this->assertStringContainsString( 'srcset="https://cdn.example.com/wp-content/uploads/2024/05/a-300x200.jpg 300w, https://cdn.example.com/wp-content/uploads/2024/05/a.jpg 1024w"', $out );
		$this->assertStringContainsString( 'href="https://cdn.example.com/wp-content/uploads/2024/05/doc.pdf"', $out );
		$this->assertStringContainsString( 'href="http://blog.example.com/wp-content/uploads/2024/05/x.php"', $out );
		$this->assertStringContainsString( 'url(https://cdn.example.com/wp-content/uploads/2024/05/bg.png)', $out );
		$this->assertStringContainsString( 'href="http://blog.example.com/2024/05/post/"', $out );
	}

	public function test_srcset_without_spaces_after_commas_keeps_the_commas() {
		$html = '<img srcset="http://blog.example.com/wp-content/uploads/a.jpg,http://blog.example.com/wp-content/uploads/b.jpg 2x">';
		$this->assertSame( '<img srcset="https://cdn.example.com/wp-content/uploads/a.jpg,https://cdn.example.com/wp-content/uploads/b.jpg 2x">', $this->rewriter()->rewrite_content( $html ) );
	}

	public function test_disabled_rewriter_changes_nothing() {
		$r = new Url_Rewriter( 'http://blog.example.com/wp-content/uploads', '' );
		$this->assertSame( 'http://blog.example.com/wp-content/uploads/a.jpg', $r->rewrite_url( 'http://blog.example.com/wp-content/uploads/a.jpg' ) );
		$this->assertSame( '<img src="http://blog.example.com/wp-content/uploads/a.jpg">', $r->rewrite_content( '<img src="http://blog.example.com/wp-content/uploads/a.jpg">' ) );
	}
}
