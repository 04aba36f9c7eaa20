<?php
/**
 * Who owns a key (docs/keys.md): reserved variant names, the key prefix rule, the index's first-claim rule, which
 * keys a delete may name, which URLs may go to the CDN, the endpoint exemption and the manifest's order and cursor.
 *
 * @package MediaOffload
 */

use MediaOffload\Client;
use MediaOffload\Events;
use MediaOffload\Manifest_Index;
use MediaOffload\Paths;
use MediaOffload\Url_Rewriter;
use PHPUnit\Framework\TestCase;

/**
 * An index in memory, answering like Index_Owners: NFC path => [owner id, on-disk name, contested].
 */
class FakeOwners {
	public $rows  = array();
	public $calls = array();

	public function owner_name( $path, $is_nfc, $attachment_id = 0 ) {
		$this->calls[] = array( $path, $is_nfc, $attachment_id );
		if ( ! isset( $this->rows[ $path ] ) ) {
			return null;
		}
		list( $owner, $name, $contested ) = $this->rows[ $path ];
		if ( $attachment_id > 0 || ! $is_nfc || $contested ) {
			return $name;
		}
		return null;
	}
}

class OwnershipTest extends TestCase {

	const NFC = "caf\u{00e9}.jpg";
	const NFD = "cafe\u{0301}.jpg";

	protected function setUp(): void {
		if ( ! Paths::can_normalize() ) {
			$this->markTestSkipped( 'PHP intl is not installed; the plugin refuses to run without it.' );
		}
	}

	private function rewriter( FakeOwners $owners = null ) {
		return new Url_Rewriter( 'http://blog.example.com/wp-content/uploads', Url_Rewriter::cdn_base( 'cdn.example.com', 'wp-content/uploads', '' ), $owners );
	}

	// -- reserved variant names ----------------------------------------------------------------------------------

	public function test_reserved_variant_names_are_an_image_name_then_a_variant_extension() {
		foreach ( array( 'victim.jpg.webp', 'a.PNG.avif', 'x.gif.WEBP', 'b.jpeg.webp', '2024/05/e2e-photo-300x204.jpg.webp', 'sites/2/2024/05/b.jpg.avif', '..jpg.webp', 'a b+c.jpg.webp' ) as $name ) {
			$this->assertTrue( Paths::is_reserved_variant_name( $name ), $name );
		}
	}

	public function test_ordinary_names_are_not_reserved() {
		foreach ( array( 'photo.webp', 'victim.jpg-300x200.webp', 'e2e-photo-300x204.jpg-150x150.webp', '.jpg.webp', 'a.jpg', 'a.jpe.webp', 'a.bmp.webp', 'a.jpg.webp.png', 'dir.jpg.webp/file.png', 'a.jpg.webp/', 'a.jpgwebp', 'a-jpg.webp' ) as $name ) {
			$this->assertFalse( Paths::is_reserved_variant_name( $name ), $name );
		}
	}

	// -- the key prefix ------------------------------------------------------------------------------------------

	public function test_key_prefix_accepts_what_the_service_accepts() {
		foreach ( array( 'wp-content/uploads', 'media', 'a.b/c_d-e', '..a', 'a/.b', 'A/9' ) as $prefix ) {
			$this->assertTrue( Paths::is_valid_key_prefix( $prefix ), $prefix );
		}
	}

	public function test_key_prefix_refuses_markup_traversal_and_empty_segments() {
		foreach ( array( '', '/x', 'x/', 'a//b', 'a/./b', 'a/../b', '.', '..', 'x/..', 'x"><img src=x onerror=alert(1)>', 'a b', "caf\u{00e9}", "a\n", "a\nb", 'a\\b', '%2e%2e', 'a?b', 'a#b' ) as $prefix ) {
			$this->assertFalse( Paths::is_valid_key_prefix( $prefix ), json_encode( $prefix ) );
		}
	}

	// -- the index: the first to claim a path owns it ------------------------------------------------------------

	public function test_partition_keeps_owned_files_and_records_whose_path_the_rest_is() {
		$files  = array(
			array( 'path' => '2024/05/' . self::NFC, 'name' => '2024/05/' . self::NFD ),
			array( 'path' => '2024/05/cafe-300x200.jpg', 'name' => '2024/05/cafe-300x200.jpg' ),
			array( 'path' => '2024/05/lost.jpg', 'name' => '2024/05/lost.jpg' ),
		);
		$owners = array(
			'2024/05/' . self::NFC       => 7,
			'2024/05/cafe-300x200.jpg'   => 9,
		);
		$result = Manifest_Index::partition( 9, $files, $owners );
		$this->assertSame( array( $files[1] ), $result['owned'] );
		$this->assertSame( array( '2024/05/' . self::NFC => 7 ), $result['conflicts'] );
		// A file the write could not place at all is neither sent nor claimed.
		$this->assertNotContains( $files[2], $result['owned'] );
	}

	// -- deletes name only keys the attachment may delete --------------------------------------------------------

	public function test_delete_paths_never_name_another_owners_key_a_conflict_or_a_variant_key() {
		$paths = Events::delete_paths(
			9,
			array( '2024/05/mine.jpg' ),
			array( '2024/05/mine.jpg', '2024/05/theirs.jpg', '2024/05/lost.jpg', '2024/05/freed.jpg', '2024/05/gone-from-disk.jpg', '2024/05/victim.jpg.webp' ),
			array(
				'2024/05/mine.jpg'   => 9,
				'2024/05/theirs.jpg' => 7,
			),
			array(
				'2024/05/lost.jpg'  => 7,
				'2024/05/freed.jpg' => 3,
			)
		);
		$this->assertSame( array( '2024/05/gone-from-disk.jpg', '2024/05/mine.jpg' ), $paths );
	}

	public function test_delete_paths_of_an_attachment_that_owns_nothing_is_empty() {
		$this->assertSame( array(), Events::delete_paths( 9, array(), array( '2024/05/' . self::NFC ), array( '2024/05/' . self::NFC => 7 ), array( '2024/05/' . self::NFC => 7 ) ) );
	}

	// -- URL rewriting: only what the CDN holds for this file ----------------------------------------------------

	public function test_rule_nfc_names_unknown_to_the_index_go_to_the_cdn_decomposed_ones_do_not() {
		$this->assertTrue( Url_Rewriter::may_rewrite( '2024/05/' . self::NFC, null ) );
		$this->assertFalse( Url_Rewriter::may_rewrite( '2024/05/' . self::NFD, null ) );
		$this->assertTrue( Url_Rewriter::may_rewrite( '2024/05/' . self::NFD, '2024/05/' . self::NFD ) );
		$this->assertFalse( Url_Rewriter::may_rewrite( '2024/05/' . self::NFD, '2024/05/' . self::NFC ) );
		$this->assertFalse( Url_Rewriter::may_rewrite( '2024/05/' . self::NFC, '2024/05/' . self::NFD ) );
		$this->assertFalse( Url_Rewriter::may_rewrite( '2024/05/victim.jpg.webp', null ) );
		$this->assertFalse( Url_Rewriter::may_rewrite( '2024/05/victim.jpg.webp', '2024/05/victim.jpg.webp' ) );
		$this->assertFalse( Url_Rewriter::may_rewrite( "2024/05/\xff.jpg", null ), 'invalid UTF-8' );
	}

	public function test_reserved_names_stay_on_wordpress_even_without_an_index() {
		$url = 'http://blog.example.com/wp-content/uploads/2024/05/e2e-photo-300x204.jpg.webp';
		$this->assertSame( $url, $this->rewriter()->rewrite_url( $url ) );
		$html = '<img src="' . $url . '">';
		$this->assertSame( $html, $this->rewriter()->rewrite_content( $html ) );
		// Its own sizes are ordinary names, and go.
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/e2e-photo-300x204.jpg-150x150.webp', $this->rewriter()->rewrite_url( 'http://blog.example.com/wp-content/uploads/2024/05/e2e-photo-300x204.jpg-150x150.webp' ) );
	}

	public function test_a_decomposed_name_goes_to_its_nfc_key_only_when_it_owns_it() {
		$owners       = new FakeOwners();
		$owners->rows = array( '2024/05/' . self::NFC => array( 7, '2024/05/' . self::NFD, false ) );
		$rewriter     = $this->rewriter( $owners );
		// Raw bytes and percent-encoded bytes of the owner's NFD name: the CDN URL names the NFC key.
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/caf%C3%A9.jpg?v=1', $rewriter->rewrite_url( 'http://blog.example.com/wp-content/uploads/2024/05/' . self::NFD . '?v=1' ) );
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/caf%C3%A9.jpg', $rewriter->rewrite_url( 'http://blog.example.com/wp-content/uploads/2024/05/cafe%CC%81.jpg' ) );
		$this->assertSame( array( '2024/05/' . self::NFC, false, 0 ), $owners->calls[0] );
	}

	public function test_a_decomposed_name_whose_nfc_path_an_nfc_file_owns_stays_on_wordpress() {
		$owners       = new FakeOwners();
		$owners->rows = array( '2024/05/' . self::NFC => array( 7, '2024/05/' . self::NFC, true ) );
		$rewriter     = $this->rewriter( $owners );
		$other        = 'http://blog.example.com/wp-content/uploads/2024/05/' . self::NFD;
		$this->assertSame( $other, $rewriter->rewrite_url( $other ) );
		$this->assertSame( $other, $rewriter->rewrite_url( $other, 9 ) );
		$this->assertSame( '<img src="' . $other . '">', $rewriter->rewrite_content( '<img src="' . $other . '">' ) );
		// The owner itself still goes.
		$this->assertSame( 'https://cdn.example.com/wp-content/uploads/2024/05/' . self::NFC, $rewriter->rewrite_url( 'http://blog.example.com/wp-content/uploads/2024/05/' . self::NFC, 7 ) );
	}

	public function test_an_nfc_name_whose_path_a_decomposed_file_owns_stays_on_wordpress() {
		$owners       = new FakeOwners();
		$owners->rows = array( '2024/05/' . self::NFC => array( 7, '2024/05/' . self::NFD, true ) );
		$rewriter     = $this->rewriter( $owners );
		$other        = 'http://blog.example.com/wp-content/uploads/2024/05/' . self::NFC;
		// In content (no attachment known) the contested path is compared by name...
		$this->assertSame( '<img src="' . $other . '">', $rewriter->rewrite_content( '<img src="' . $other . '">' ) );
		// ...and as the URL of the attachment that does not own it.
		$this->assertSame( $other, $rewriter->rewrite_url( $other, 9 ) );
	}

	public function test_nfc_names_in_content_cost_no_lookup_unless_contested() {
		$owners   = new FakeOwners();
		$rewriter = $this->rewriter( $owners );
		$out      = $rewriter->rewrite_content( '<img src="http://blog.example.com/wp-content/uploads/2024/05/a.jpg"><img src="http://blog.example.com/wp-content/uploads/2024/05/b.jpg">' );
		$this->assertSame( '<img src="https://cdn.example.com/wp-content/uploads/2024/05/a.jpg"><img src="https://cdn.example.com/wp-content/uploads/2024/05/b.jpg">', $out );
		// The fake stands for the contested map; Index_Owners loads that once per request.
		$this->assertSame( array( array( '2024/05/a.jpg', true, 0 ), array( '2024/05/b.jpg', true, 0 ) ), $owners->calls );
	}

	public function test_multisite_lookups_carry_sites_n() {
		$owners   = new FakeOwners();
		$rewriter = new Url_Rewriter( 'http://blog.example.com/wp-content/uploads/sites/2', Url_Rewriter::cdn_base( 'cdn.example.com', 'wp-content/uploads', 'sites/2/' ), $owners, 'sites/2/' );
		$rewriter->rewrite_url( 'http://blog.example.com/wp-content/uploads/sites/2/2024/05/a.jpg', 5 );
		$this->assertSame( array( 'sites/2/2024/05/a.jpg', true, 5 ), $owners->calls[0] );
	}

	public function test_without_an_index_decomposed_names_stay_on_wordpress() {
		$url = 'http://blog.example.com/wp-content/uploads/2024/05/' . self::NFD;
		$this->assertSame( $url, $this->rewriter()->rewrite_url( $url ) );
	}

	// -- the endpoint exemption ----------------------------------------------------------------------------------

	public function test_only_local_and_development_environments_exempt_the_endpoint() {
		$this->assertTrue( Client::exempts_environment( 'local' ) );
		$this->assertTrue( Client::exempts_environment( 'development' ) );
		$this->assertFalse( Client::exempts_environment( 'staging' ) );
		$this->assertFalse( Client::exempts_environment( 'production' ) );
		$this->assertFalse( Client::exempts_environment( '' ) );
	}

	public function test_only_the_configured_endpoint_host_and_port_are_exempted() {
		$this->assertTrue( Client::is_endpoint_host( 'http://127.0.0.1:5050/prod', '127.0.0.1' ) );
		$this->assertTrue( Client::is_endpoint_host( 'http://127.0.0.1:5050/prod', '127.0.0.1', 5050 ) );
		$this->assertTrue( Client::is_endpoint_host( 'http://LocalHost:5050', 'localhost.' ) );
		$this->assertFalse( Client::is_endpoint_host( 'http://127.0.0.1:5050', '127.0.0.1', 3306 ) );
		$this->assertFalse( Client::is_endpoint_host( 'http://127.0.0.1:5050', '10.0.0.1' ) );
		$this->assertFalse( Client::is_endpoint_host( 'http://127.0.0.1', '127.0.0.1', 22 ) );
		$this->assertFalse( Client::is_endpoint_host( 'not a url', '127.0.0.1' ) );
	}

	// -- the manifest: byte order, url, cursor -------------------------------------------------------------------

	public function test_manifest_entries_name_the_owners_file_as_on_disk() {
		$rows = array(
			array( 'path' => '2024/05/a b+c.jpg', 'attachment_id' => '3', 'name' => '2024/05/a b+c.jpg', 'size' => '10', 'md5' => str_repeat( 'a', 32 ), 'mime' => 'image/jpeg', 'modified' => '1714557600' ),
			array( 'path' => '2024/05/' . self::NFC, 'attachment_id' => '7', 'name' => '2024/05/' . self::NFD, 'size' => '11', 'md5' => str_repeat( 'b', 32 ), 'mime' => 'image/jpeg', 'modified' => '1714557600' ),
		);
		$page = Manifest_Index::shape_page( $rows, 10, 'https://blog.example.com/wp-content/uploads', '' );
		$this->assertNull( $page['next'] );
		$this->assertSame( 'https://blog.example.com/wp-content/uploads/2024/05/a%20b%2Bc.jpg', $page['files'][0]['url'] );
		$this->assertSame( 'https://blog.example.com/wp-content/uploads/2024/05/cafe%CC%81.jpg', $page['files'][1]['url'] );
		$this->assertSame( '2024/05/' . self::NFC, $page['files'][1]['path'] );
		$this->assertSame( array( 'path', 'url', 'size', 'md5', 'mime', 'modified', 'attachmentId' ), array_keys( $page['files'][1] ) );
		$this->assertSame( 7, $page['files'][1]['attachmentId'] );
		$this->assertSame( '2024-05-01T10:00:00Z', $page['files'][1]['modified'] );
	}

	public function test_manifest_url_of_a_row_without_a_name_is_its_path_below_the_site() {
		$rows = array( array( 'path' => 'sites/2/2024/05/a.jpg', 'attachment_id' => 3, 'name' => '', 'size' => 1, 'md5' => '', 'mime' => 'image/jpeg', 'modified' => 0 ) );
		$page = Manifest_Index::shape_page( $rows, 10, 'https://blog.example.com/wp-content/uploads/sites/2', 'sites/2/' );
		$this->assertSame( 'https://blog.example.com/wp-content/uploads/sites/2/2024/05/a.jpg', $page['files'][0]['url'] );
	}

	public function test_manifest_pages_in_byte_order_never_skip_repeat_or_list_a_reserved_name() {
		// The table as MariaDB keeps it: a varbinary primary key, so "path > cursor ORDER BY path" is strcmp order.
		$paths = array( '2024/05/Zebra.jpg', '2024/05/a b+c.jpg', '2024/05/a.jpg', '2024/05/a.jpg.webp', '2024/05/' . self::NFC, "2024/05/\u{00c9}t\u{00e9}.jpg", '2024/05/a-150x150.jpg', '2024/06/x.png', 'sites/2/2024/05/a.jpg', '2024/05/~tilde.jpg' );
		sort( $paths, SORT_STRING );
		$rows = array_map(
			function ( $p ) {
				return array( 'path' => $p, 'attachment_id' => 1, 'name' => $p, 'size' => 1, 'md5' => '', 'mime' => 'image/jpeg', 'modified' => 0 );
			},
			$paths
		);
		$this->assertTrue( strcmp( '2024/05/Zebra.jpg', '2024/05/a.jpg' ) < 0 && strcmp( '2024/05/~tilde.jpg', "2024/05/\u{00c9}t\u{00e9}.jpg" ) < 0, 'byte order, not a collation' );
		$listed = array();
		$cursor = '';
		$pages  = 0;
		do {
			$after = Manifest_Index::decode_cursor( (string) $cursor );
			$this->assertNotNull( $after );
			$rest = array_values(
				array_filter(
					$rows,
					function ( $r ) use ( $after ) {
						return strcmp( $r['path'], $after ) > 0;
					}
				)
			);
			$page   = Manifest_Index::shape_page( array_slice( $rest, 0, 3 + 1 ), 3, 'https://blog.example.com/wp-content/uploads', '' );
			$listed = array_merge( $listed, array_column( $page['files'], 'path' ) );
			$cursor = Manifest_Index::encode_cursor( $page['next'] );
			++$pages;
		} while ( null !== $cursor && $pages < 20 );
		$expected = array_values(
			array_filter(
				$paths,
				function ( $p ) {
					return ! Paths::is_reserved_variant_name( $p );
				}
			)
		);
		$this->assertSame( $expected, $listed );
		$this->assertSame( 4, $pages );
	}
}
