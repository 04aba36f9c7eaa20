<?php
/**
 * Paths, file lists, cursors, backoff and the variant fallback's file mapping.
 *
 * @package MediaOffload
 */

use MediaOffload\Attachment_Files;
use MediaOffload\Manifest_Index;
use MediaOffload\Paths;
use MediaOffload\Queue;
use MediaOffload\Variant_Fallback;
use PHPUnit\Framework\TestCase;

class PathsTest extends TestCase {

	public function test_encode_percent_encodes_each_segment() {
		$this->assertSame( '2024/05/a%20b%2Bc%26d.jpg', Paths::encode( '2024/05/a b+c&d.jpg' ) );
		$this->assertSame( '2024/05/photo%20%281%29.jpg', Paths::encode( '2024/05/photo (1).jpg' ) );
		$this->assertSame( 'sites/2/2024/05/Caf%C3%A9%20%C3%9Cn%C3%AFcode.jpg', Paths::encode( 'sites/2/2024/05/Café Ünïcode.jpg' ) );
	}

	public function test_clean_refuses_traversal_and_control_characters() {
		$this->assertNull( Paths::clean( '2024/../wp-config.php' ) );
		$this->assertNull( Paths::clean( '2024//a.jpg' ) );
		$this->assertNull( Paths::clean( "2024/a\n.jpg" ) );
		$this->assertSame( '2024/a.jpg', Paths::clean( '/2024/a.jpg' ) );
	}

	public function test_nfd_names_are_keyed_nfc_but_kept_as_on_disk_for_reading() {
		$nfd = "2024/De\u{0301}compose\u{0301}.jpg";
		$nfc = "2024/D\u{00e9}compos\u{00e9}.jpg";
		$this->assertSame( $nfd, Paths::clean( $nfd, false ) );
		$this->assertSame( array( $nfd ), \MediaOffload\Attachment_Files::paths_from_metadata( $nfd, null ) );
		if ( ! Paths::can_normalize() ) {
			$this->markTestSkipped( 'PHP intl is not installed.' );
		}
		$this->assertSame( $nfc, Paths::clean( $nfd ) );
		$this->assertSame( $nfc, Paths::nfc( $nfd ) );
		$this->assertSame( '2024/a b+c&d.jpg', Paths::nfc( '2024/a b+c&d.jpg' ) );
	}

	public function test_offloadable_types() {
		$this->assertTrue( Paths::is_offloadable( 'a.JPG' ) );
		$this->assertTrue( Paths::is_offloadable( 'a.woff2' ) );
		$this->assertFalse( Paths::is_offloadable( 'a.php' ) );
		$this->assertFalse( Paths::is_offloadable( 'a.svg' ) );
		$this->assertFalse( Paths::is_offloadable( '.htaccess' ) );
		$this->assertSame( 'image/png', Paths::mime( 'x/y.PNG' ) );
	}

	public function test_origin() {
		$this->assertSame( 'https://blog.example.com', Paths::origin( 'https://Blog.Example.com/sub/' ) );
		$this->assertSame( 'http://127.0.0.1:8080', Paths::origin( 'http://127.0.0.1:8080' ) );
	}

	public function test_paths_from_metadata_lists_original_sizes_scaled_original_image_and_backups() {
		$meta  = array(
			'file'           => '2024/05/big-scaled.jpg',
			'original_image' => 'big.jpg',
			'sizes'          => array(
				'thumbnail' => array( 'file' => 'big-150x150.jpg' ),
				'medium'    => array( 'file' => 'big-300x200.jpg' ),
			),
		);
		$backup = array( 'full-orig' => array( 'file' => 'big-old.jpg' ) );
		$this->assertSame(
			array( '2024/05/big-scaled.jpg', '2024/05/big.jpg', '2024/05/big-150x150.jpg', '2024/05/big-300x200.jpg', '2024/05/big-old.jpg' ),
			Attachment_Files::paths_from_metadata( '2024/05/big-scaled.jpg', $meta, $backup )
		);
	}

	public function test_paths_from_metadata_without_metadata_uses_the_attached_file() {
		$this->assertSame( array( '2024/05/doc.pdf' ), Attachment_Files::paths_from_metadata( '2024/05/doc.pdf', '' ) );
		$this->assertSame( array(), Attachment_Files::paths_from_metadata( '', null ) );
	}

	public function test_cursor_round_trips_and_is_url_safe() {
		foreach ( array( '2024/05/a.jpg', 'sites/2/2024/05/Café Ünïcode-150x150.jpg', "a?b=c&d+e" ) as $path ) {
			$cursor = Manifest_Index::encode_cursor( $path );
			$this->assertMatchesRegularExpression( '/^[A-Za-z0-9_-]+$/', $cursor );
			$this->assertSame( $path, Manifest_Index::decode_cursor( $cursor ) );
		}
		$this->assertSame( '', Manifest_Index::decode_cursor( '' ) );
		$this->assertNull( Manifest_Index::decode_cursor( 'not a cursor!' ) );
		$this->assertNull( Manifest_Index::encode_cursor( null ) );
	}

	public function test_backoff_doubles_up_to_the_cap() {
		$this->assertSame( 30, Queue::backoff( 1 ) );
		$this->assertSame( 60, Queue::backoff( 2 ) );
		$this->assertSame( 480, Queue::backoff( 5 ) );
		$this->assertSame( 900, Queue::backoff( 6 ) );
		$this->assertSame( 900, Queue::backoff( 500 ) );
		// An hour-long outage costs at most one capped interval of delay after recovery.
		$elapsed = 0;
		for ( $i = 1; $elapsed < 3600; $i++ ) {
			$elapsed += Queue::backoff( $i );
		}
		$this->assertLessThan( 20, $i );
	}

	public function test_variant_fallback_maps_only_variant_requests_inside_uploads_for_owned_files() {
		$dir = sys_get_temp_dir() . '/mo-variant-' . getmypid();
		@mkdir( $dir . '/2024/05', 0777, true );
		file_put_contents( $dir . '/2024/05/a b.jpg', 'x' );
		file_put_contents( $dir . '/2024/05/s.php', 'x' );
		file_put_contents( $dir . '/2024/05/private.jpg', 'x' );
		file_put_contents( $dir . '/2024/05/old.jpe', 'x' );
		// The index: 2024/05/a b.jpg and old.jpe are owned under their own names; private.jpg has no row.
		$owner = function ( $path ) {
			return in_array( $path, array( '2024/05/a b.jpg', '2024/05/old.jpe' ), true ) ? $path : null;
		};
		$map   = function ( $request ) use ( $dir, $owner ) {
			return Variant_Fallback::source_file( $request, '/wp-content/uploads', $dir, $owner );
		};
		try {
			// Every variant format the edge may ask for, in any case, stands for the original.
			foreach ( array( '.webp', '.avif', '.WEBP', '.AVIF', '.Avif' ) as $suffix ) {
				$this->assertSame( realpath( $dir . '/2024/05/a b.jpg' ), $map( '/wp-content/uploads/2024/05/a b.jpg' . $suffix ), $suffix );
				$this->assertNull( $map( '/wp-content/uploads/2024/05/s.php' . $suffix ), $suffix );
				$this->assertNull( $map( '/wp-content/uploads/2024/05/missing.jpg' . $suffix ), $suffix );
				$this->assertNull( $map( '/wp-content/uploads/../uploads/2024/05/a b.jpg' . $suffix ), $suffix );
				$this->assertNull( $map( '/elsewhere/2024/05/a b.jpg' . $suffix ), $suffix );
				// On disk and an image, but no attachment owns it: the web server decides, not the fallback.
				$this->assertNull( $map( '/wp-content/uploads/2024/05/private.jpg' . $suffix ), $suffix );
				// Only variant keys: the service writes no variant of a .jpe, so the edge never asks for one.
				$this->assertNull( $map( '/wp-content/uploads/2024/05/old.jpe' . $suffix ), $suffix );
			}
			$this->assertNull( $map( '/wp-content/uploads/2024/05/a b.jpg' ) );
			// Neither another suffix nor a variant of a variant.
			foreach ( array( '.jxl', '.heic', '.png', '.avif.webp', '.webp.avif', '.avif.avif', 'avif', '-avif' ) as $suffix ) {
				$this->assertNull( $map( '/wp-content/uploads/2024/05/a b.jpg' . $suffix ), $suffix );
			}
		} finally {
			foreach ( array( 'a b.jpg', 's.php', 'private.jpg', 'old.jpe' ) as $name ) {
				unlink( $dir . '/2024/05/' . $name );
			}
			rmdir( $dir . '/2024/05' );
			rmdir( $dir . '/2024' );
			rmdir( $dir );
		}
	}

	public function test_variant_source_is_the_reserved_name_rule_with_its_source_and_format() {
		// One rule for what a variant URL is: the names docs/keys.md reserves, for every format the service writes.
		foreach ( Paths::VARIANT_FORMATS as $format ) {
			$this->assertSame( array( '2024/05/a.JPG', $format ), Paths::variant_source( '2024/05/a.JPG.' . strtoupper( $format ) ) );
			$this->assertSame( array( '/wp-content/uploads/b.gif', $format ), Paths::variant_source( '/wp-content/uploads/b.gif.' . $format ) );
			$this->assertTrue( Paths::is_reserved_variant_name( 'c.png.' . $format ) );
		}
		$this->assertSame( array( 'webp', 'avif' ), Paths::VARIANT_FORMATS );
		// An AVIF original's only variant is its WebP.
		$this->assertSame( array( '2025/01/d.AVIF', 'webp' ), Paths::variant_source( '2025/01/d.AVIF.webp' ) );
		foreach ( array( 'a.jpg', 'a.webp', 'a.avif', 'a.avif.avif', '.avif.webp', 'a.jpe.webp', 'a.jpg.jxl', '.jpg.avif', 'a.jpg.avif/', 'a.jpg-300x200.avif' ) as $name ) {
			$this->assertNull( Paths::variant_source( $name ), $name );
			$this->assertFalse( Paths::is_reserved_variant_name( $name ), $name );
		}
	}

	public function test_variant_fallback_refuses_a_file_whose_nfc_path_another_name_owns() {
		if ( ! Paths::can_normalize() ) {
			$this->markTestSkipped( 'PHP intl is not installed.' );
		}
		$dir = sys_get_temp_dir() . '/mo-variant-nfd-' . getmypid();
		@mkdir( $dir . '/2024/05', 0777, true );
		$nfc = "2024/05/caf\u{00e9}.jpg";
		$nfd = "2024/05/cafe\u{0301}.jpg";
		file_put_contents( $dir . '/' . $nfc, 'owner' );
		file_put_contents( $dir . '/' . $nfd, 'other' );
		$seen  = array();
		$owner = function ( $path ) use ( $nfc, &$seen ) {
			$seen[] = $path;
			return $nfc === $path ? $nfc : null;
		};
		try {
			$this->assertSame( realpath( $dir . '/' . $nfc ), Variant_Fallback::source_file( '/wp-content/uploads/' . $nfc . '.webp', '/wp-content/uploads', $dir, $owner ) );
			$this->assertNull( Variant_Fallback::source_file( '/wp-content/uploads/' . $nfd . '.webp', '/wp-content/uploads', $dir, $owner ) );
			$this->assertSame( realpath( $dir . '/' . $nfc ), Variant_Fallback::source_file( '/wp-content/uploads/' . $nfc . '.avif', '/wp-content/uploads', $dir, $owner ) );
			$this->assertNull( Variant_Fallback::source_file( '/wp-content/uploads/' . $nfd . '.avif', '/wp-content/uploads', $dir, $owner ) );
			// The index is asked by NFC path, with the multisite prefix when there is one.
			Variant_Fallback::source_file( '/wp-content/uploads/sites/2/' . $nfd . '.avif', '/wp-content/uploads/sites/2', $dir, $owner, 'sites/2/' );
			$this->assertSame( array( $nfc, $nfc, $nfc, $nfc, 'sites/2/' . $nfc ), $seen );
		} finally {
			unlink( $dir . '/' . $nfc );
			unlink( $dir . '/' . $nfd );
			rmdir( $dir . '/2024/05' );
			rmdir( $dir . '/2024' );
			rmdir( $dir );
		}
	}
}
