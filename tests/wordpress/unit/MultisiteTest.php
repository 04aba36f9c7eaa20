<?php
/**
 * A network's key spaces, per-site secrets and the network page's pure parts (docs/plugin.md, "Multisite").
 *
 * @package MediaOffload
 */

use MediaOffload\Key_Space;
use MediaOffload\Manifest_Index;
use MediaOffload\Network;
use MediaOffload\Network_Admin;
use MediaOffload\Settings;
use MediaOffload\Url_Rewriter;
use MediaOffload\Variant_Fallback;
use PHPUnit\Framework\TestCase;

class MultisiteTest extends TestCase {

	private function single() {
		return Key_Space::for_site( false, true, 1 );
	}

	private function main() {
		return Key_Space::for_site( true, true, 1 );
	}

	private function subsite( $id = 2 ) {
		return Key_Space::for_site( true, false, $id );
	}

	// -- which prefix ---------------------------------------------------------------------------------------------

	public function test_single_sites_and_the_main_site_have_no_prefix_subsites_have_sites_n() {
		$this->assertSame( '', $this->single()->prefix() );
		$this->assertSame( '', $this->main()->prefix() );
		$this->assertSame( 'sites/2/', $this->subsite( 2 )->prefix() );
		$this->assertSame( 'sites/117/', $this->subsite( 117 )->prefix() );
		// Not multisite: the blog id never matters.
		$this->assertSame( '', Key_Space::for_site( false, false, 5 )->prefix() );
		$this->assertFalse( $this->main()->is_subsite() );
		$this->assertTrue( $this->subsite()->is_subsite() );
	}

	public function test_of_accepts_only_a_subsite_prefix_anything_else_is_a_single_site() {
		$this->assertSame( 'sites/3/', Key_Space::of( 'sites/3/' )->prefix() );
		foreach ( array( '', 'sites/3', 'sites/03/', 'sites/0/', 'sites/x/', '../sites/3/', 'sites/3/../', 'Sites/3/', "sites/3/\n" ) as $prefix ) {
			$this->assertSame( '', Key_Space::of( $prefix )->prefix(), var_export( $prefix, true ) );
		}
		$space = $this->subsite( 4 );
		$this->assertSame( $space, Key_Space::of( $space ) );
	}

	// -- paths ----------------------------------------------------------------------------------------------------

	public function test_paths_are_relative_to_the_networks_main_uploads_folder() {
		$this->assertSame( '2026/12/x.jpg', $this->single()->path( '2026/12/x.jpg' ) );
		$this->assertSame( '2026/12/x.jpg', $this->main()->path( '2026/12/x.jpg' ) );
		$this->assertSame( 'sites/2/2026/12/x.jpg', $this->subsite( 2 )->path( '2026/12/x.jpg' ) );
		// NFC, as the service keys objects; leading slashes and backslashes as Paths::clean() takes them.
		$this->assertSame( "sites/2/2026/12/caf\u{00e9}.jpg", $this->subsite( 2 )->path( "/2026\\12/cafe\u{0301}.jpg" ) );
	}

	public function test_no_traversal_out_of_a_key_space() {
		foreach ( array( $this->single(), $this->main(), $this->subsite( 2 ) ) as $space ) {
			foreach ( array( '../1/2026/x.jpg', '2026/../../x.jpg', '2026/./x.jpg', '2026//x.jpg', '', "2026/x\0.jpg", "2026/x\n.jpg", '..' ) as $bad ) {
				$this->assertNull( $space->path( $bad ), $space->prefix() . ' ' . var_export( $bad, true ) );
			}
		}
		// A subsite never reaches another subsite's key space: whatever it names stays below its own prefix.
		$this->assertSame( 'sites/2/sites/3/x.jpg', $this->subsite( 2 )->path( 'sites/3/x.jpg' ) );
	}

	public function test_the_main_site_of_a_network_leaves_the_subsites_folders_alone_a_single_site_does_not() {
		foreach ( array( 'sites/2/2026/12/x.jpg', 'sites/17/a.png', 'sites/02/a.png' ) as $path ) {
			$this->assertNull( $this->main()->path( $path ), $path );
			$this->assertSame( $path, $this->single()->path( $path ), $path );
		}
		// Only sites/{digits}/ is a subsite's; other folders of that name are the main site's.
		$this->assertSame( 'sites/a.jpg', $this->main()->path( 'sites/a.jpg' ) );
		$this->assertSame( 'sites/x/a.jpg', $this->main()->path( 'sites/x/a.jpg' ) );
		$this->assertSame( 'sitesX/2/a.jpg', $this->main()->path( 'sitesX/2/a.jpg' ) );
	}

	public function test_relative_is_the_inverse_of_path_and_refuses_other_key_spaces() {
		$this->assertSame( '2026/12/x.jpg', $this->subsite( 2 )->relative( 'sites/2/2026/12/x.jpg' ) );
		$this->assertNull( $this->subsite( 2 )->relative( 'sites/3/2026/12/x.jpg' ) );
		$this->assertNull( $this->subsite( 2 )->relative( '2026/12/x.jpg' ) );
		$this->assertNull( $this->subsite( 2 )->relative( 'sites/2/../3/x.jpg' ) );
		$this->assertSame( '2026/12/x.jpg', $this->main()->relative( '2026/12/x.jpg' ) );
		$this->assertNull( $this->main()->relative( 'sites/2/2026/12/x.jpg' ) );
		$this->assertSame( 'sites/2/2026/12/x.jpg', $this->single()->relative( 'sites/2/2026/12/x.jpg' ) );
	}

	public function test_subsite_of_names_the_site_whose_folder_a_main_site_path_is_in() {
		$this->assertSame( 2, $this->main()->subsite_of( 'sites/2/2026/12/x.jpg' ) );
		$this->assertSame( 0, $this->main()->subsite_of( '2026/12/x.jpg' ) );
		$this->assertSame( 0, $this->main()->subsite_of( 'sites/02/x.jpg' ) );
		$this->assertSame( 0, $this->main()->subsite_of( 'sites/0/x.jpg' ) );
		// Only the main site of a network hands requests on.
		$this->assertSame( 0, $this->single()->subsite_of( 'sites/2/x.jpg' ) );
		$this->assertSame( 0, $this->subsite( 3 )->subsite_of( 'sites/2/x.jpg' ) );
	}

	public function test_a_subsites_uploads_must_be_where_its_key_space_says() {
		$this->assertTrue( $this->subsite( 2 )->matches_uploads( '/var/www/wp-content/uploads/sites/2', 'https://net.example.com/site2/wp-content/uploads/sites/2' ) );
		$this->assertTrue( $this->subsite( 2 )->matches_uploads( '/var/www/wp-content/uploads/sites/2/', 'https://net.example.com/wp-content/uploads/sites/2/' ) );
		// Before WordPress 3.5: blogs.dir and /files/ URLs.
		$this->assertFalse( $this->subsite( 2 )->matches_uploads( '/var/www/wp-content/blogs.dir/2/files', 'https://net.example.com/site2/files' ) );
		$this->assertFalse( $this->subsite( 2 )->matches_uploads( '/var/www/wp-content/uploads/sites/12', 'https://net.example.com/wp-content/uploads/sites/12' ) );
		$this->assertTrue( $this->main()->matches_uploads( '/anywhere', 'https://anywhere' ) );
	}

	// -- what the pieces do with it ---------------------------------------------------------------------------

	public function test_a_subsites_urls_go_to_its_key_space_on_the_cdn() {
		$cdn      = Url_Rewriter::cdn_base( 'cdn.example.com', 'wp-content/uploads', $this->subsite( 2 )->prefix() );
		$rewriter = new Url_Rewriter( 'https://net.example.com/site2/wp-content/uploads/sites/2', $cdn, null, $this->subsite( 2 ) );
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/sites/2/2026/12/x.jpg', $rewriter->rewrite_url( 'https://net.example.com/site2/wp-content/uploads/sites/2/2026/12/x.jpg' ) );
		// Another site's uploads base is not this site's.
		$this->assertSame( 'https://net.example.com/site3/wp-content/uploads/sites/3/2026/12/x.jpg', $rewriter->rewrite_url( 'https://net.example.com/site3/wp-content/uploads/sites/3/2026/12/x.jpg' ) );
	}

	public function test_the_main_sites_rewriter_leaves_a_subsites_urls_to_wordpress() {
		$main = new Url_Rewriter( 'https://net.example.com/wp-content/uploads', Url_Rewriter::cdn_base( 'cdn.example.com', 'wp-content/uploads', '' ), null, $this->main() );
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2026/12/x.jpg', $main->rewrite_url( 'https://net.example.com/wp-content/uploads/2026/12/x.jpg' ) );
		$this->assertSame( 'https://net.example.com/wp-content/uploads/sites/2/2026/12/x.jpg', $main->rewrite_url( 'https://net.example.com/wp-content/uploads/sites/2/2026/12/x.jpg' ) );
		// A single site keeps rewriting such a folder, as it did before.
		$single = new Url_Rewriter( 'https://blog.example.com/wp-content/uploads', Url_Rewriter::cdn_base( 'cdn.example.com', 'wp-content/uploads', '' ) );
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/sites/2/x.jpg', $single->rewrite_url( 'https://blog.example.com/wp-content/uploads/sites/2/x.jpg' ) );
	}

	public function test_a_manifest_lists_only_its_own_key_space() {
		$row  = function ( $path ) {
			return array( 'path' => $path, 'attachment_id' => 1, 'name' => '', 'size' => 1, 'md5' => '', 'mime' => 'image/jpeg', 'modified' => 0 );
		};
		$rows = array( $row( '2026/12/main.jpg' ), $row( 'sites/2/2026/12/a.jpg' ), $row( 'sites/3/2026/12/b.jpg' ) );
		$sub  = Manifest_Index::shape_page( $rows, 10, 'https://net.example.com/site2/wp-content/uploads/sites/2', $this->subsite( 2 ) );
		$this->assertSame( array( 'sites/2/2026/12/a.jpg' ), array_column( $sub['files'], 'path' ) );
		$this->assertSame( 'https://net.example.com/site2/wp-content/uploads/sites/2/2026/12/a.jpg', $sub['files'][0]['url'] );
		$main = Manifest_Index::shape_page( $rows, 10, 'https://net.example.com/wp-content/uploads', $this->main() );
		$this->assertSame( array( '2026/12/main.jpg' ), array_column( $main['files'], 'path' ) );
	}

	public function test_the_variant_fallback_asks_the_subsites_index_by_its_key_space_path() {
		$dir = sys_get_temp_dir() . '/mo-ms-fallback-' . getmypid();
		@mkdir( $dir . '/2026/12', 0777, true );
		file_put_contents( $dir . '/2026/12/a.jpg', 'jpeg' );
		$seen  = array();
		$owner = function ( $path ) use ( &$seen ) {
			$seen[] = $path;
			return 'sites/2/2026/12/a.jpg' === $path ? '2026/12/a.jpg' : null;
		};
		try {
			// The request the CDN's fallback sends to the main site: the object's key as the path.
			$this->assertSame( realpath( $dir . '/2026/12/a.jpg' ), Variant_Fallback::source_file( '/wp-content/uploads/sites/2/2026/12/a.jpg.avif', '/wp-content/uploads/sites/2', $dir, $owner, $this->subsite( 2 ) ) );
			$this->assertNull( Variant_Fallback::source_file( '/wp-content/uploads/sites/2/2026/12/a.jpg.avif', '/wp-content/uploads', $dir, $owner, $this->main() ) );
			$this->assertSame( array( 'sites/2/2026/12/a.jpg' ), $seen, 'the main site never asks its own index for a subsite path' );
		} finally {
			unlink( $dir . '/2026/12/a.jpg' );
			rmdir( $dir . '/2026/12' );
			rmdir( $dir . '/2026' );
			rmdir( $dir );
		}
	}

	// -- secrets and the site's name in events --------------------------------------------------------------------

	public function test_site_secrets_name_one_sites_secrets_current_first() {
		$map = array(
			1 => 'site-one-secret-' . str_repeat( 'a', 32 ),
			2 => array( 'site-two-new-' . str_repeat( 'b', 32 ), 'site-two-old-' . str_repeat( 'c', 32 ) ),
			'3' => '   ',
		);
		$this->assertSame( array( $map[1] ), Settings::site_secret_list( $map, 1 ) );
		$this->assertSame( $map[2], Settings::site_secret_list( $map, 2 ) );
		$this->assertNull( Settings::site_secret_list( $map, 3 ), 'a blank secret is no secret' );
		$this->assertNull( Settings::site_secret_list( $map, 4 ) );
		$this->assertNull( Settings::site_secret_list( 'one-secret-for-all', 1 ) );
		$this->assertNull( Settings::site_secret_list( $map, 0 ) );
	}

	public function test_events_name_the_site_by_its_home_url() {
		$this->assertSame( 'https://net.example.com/site2', Network::site_url( 'https://net.example.com/site2/' ) );
		$this->assertSame( 'https://net.example.com', Network::site_url( 'https://Net.Example.com/' ) );
		$this->assertSame( 'http://127.0.0.1:8080/site2', Network::site_url( 'http://127.0.0.1:8080/site2?x=1#y' ) );
		$this->assertSame( '', Network::site_url( 'not a url' ) );
	}

	// -- the network page -----------------------------------------------------------------------------------------

	public function test_the_network_page_names_sites_that_share_a_secret_and_nothing_else() {
		$rows = array(
			array( 'id' => 1, 'hash' => 'h1' ),
			array( 'id' => 2, 'hash' => 'h2' ),
			array( 'id' => 3, 'hash' => 'h1' ),
			array( 'id' => 4, 'hash' => '' ),
			array( 'id' => 5, 'hash' => '' ),
		);
		$this->assertSame( array( 1 => array( 3 ), 3 => array( 1 ) ), Network_Admin::shared_secrets( $rows ) );
	}

	public function test_the_network_page_shows_n_a_until_job_status_is_there() {
		$this->assertSame( 'n/a', Network_Admin::summary_line( null ) );
		$this->assertSame( 'n/a', Network_Admin::report_line( null, false ) );
		$this->assertSame( '6 offloaded, 1 pending, 0 failed, 2 unknown', Network_Admin::summary_line( array( 'offloaded' => 6, 'pending' => 1, 'failed' => 0, 'unknown' => 2, 'last_report' => null ) ) );
		$this->assertSame( 'none yet', Network_Admin::report_line( null ) );
		$this->assertSame( 'reconcile-20261201T152000Z-0a1b2c3d, in sync, drift 0', Network_Admin::report_line( array( 'runId' => 'reconcile-20261201T152000Z-0a1b2c3d', 'inSync' => true, 'drift' => 0, 'nested' => array( 'x' ) ) ) );
	}
}
