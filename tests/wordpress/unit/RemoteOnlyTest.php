<?php
/**
 * Remote-only files (docs/remote-only.md): which local copies may go, where a restore may write, which downloads
 * count, the marker, the manifest's remoteOnly and describe()'s records.
 *
 * @package MediaOffload
 */

use MediaOffload\Attachment_Files;
use MediaOffload\Events;
use MediaOffload\Manifest_Index;
use MediaOffload\Remote_Rules;
use PHPUnit\Framework\TestCase;

class RemoteOnlyTest extends TestCase {

	const MD5 = '9e107d9d372bb6826bd81d3542a419d6';

	/**
	 * Temporary folder of the test, removed afterwards.
	 *
	 * @var string
	 */
	private $dir = '';

	protected function tearDown(): void {
		if ( '' !== $this->dir ) {
			self::remove_tree( $this->dir );
		}
	}

	private function temp_dir() {
		$this->dir = sys_get_temp_dir() . '/mo-remote-' . bin2hex( random_bytes( 6 ) );
		mkdir( $this->dir . '/uploads/2024/05', 0777, true );
		mkdir( $this->dir . '/outside', 0777, true );
		return $this->dir;
	}

	private static function remove_tree( $path ) {
		if ( is_link( $path ) || is_file( $path ) ) {
			unlink( $path );
			return;
		}
		if ( ! is_dir( $path ) ) {
			return;
		}
		foreach ( scandir( $path ) as $entry ) {
			if ( '.' !== $entry && '..' !== $entry ) {
				self::remove_tree( $path . '/' . $entry );
			}
		}
		rmdir( $path );
	}

	private static function row() {
		return array(
			'path' => '2024/05/photo.jpg',
			'size' => 48213,
			'md5'  => self::MD5,
		);
	}

	private static function status( array $changes = array() ) {
		return array_merge(
			array(
				'path'     => '2024/05/photo.jpg',
				'status'   => 'uploaded',
				'verified' => true,
				'bytes'    => 48213,
				'md5'      => self::MD5,
				'variants' => array( array( 'format' => 'webp', 'status' => 'made' ) ),
			),
			$changes
		);
	}

	private static function disk( $size = 48213, $md5 = self::MD5 ) {
		return function () use ( $size, $md5 ) {
			return array( $size, $md5 );
		};
	}

	// -- Candidate eligibility ---------------------------------------------------------------------------------

	public function test_removal_refusal_verified_same_bytes_allows() {
		$this->assertSame( '', Remote_Rules::removal_refusal( self::row(), self::status(), self::disk() ) );
		$this->assertSame( '', Remote_Rules::removal_refusal( self::row(), self::status( array( 'status' => 'unchanged' ) ), self::disk() ) );
	}

	public function test_removal_refusal_status_not_uploaded_refuses() {
		foreach ( array( 'pending', 'failed', 'refused', 'deleted', 'unknown' ) as $status ) {
			$this->assertSame( 'the job says ' . $status, Remote_Rules::removal_refusal( self::row(), self::status( array( 'status' => $status ) ), self::disk() ), $status );
		}
		$this->assertSame( 'no job status names this file', Remote_Rules::removal_refusal( self::row(), null, self::disk() ) );
	}

	public function test_removal_refusal_not_verified_refuses() {
		$this->assertSame( 'the job did not verify the object', Remote_Rules::removal_refusal( self::row(), self::status( array( 'verified' => false ) ), self::disk() ) );
		// A job recorded before the plugin kept `verified` has none: never a licence.
		$status = self::status();
		unset( $status['verified'] );
		$this->assertSame( 'the job did not verify the object', Remote_Rules::removal_refusal( self::row(), $status, self::disk() ) );
	}

	public function test_removal_refusal_md5_or_bytes_mismatch_refuses() {
		$this->assertSame( 'the job verified another MD5', Remote_Rules::removal_refusal( self::row(), self::status( array( 'md5' => str_repeat( 'a', 32 ) ) ), self::disk() ) );
		$this->assertSame( 'the job verified another MD5', Remote_Rules::removal_refusal( self::row(), self::status( array( 'md5' => '' ) ), self::disk() ) );
		$this->assertSame( 'the job verified another size', Remote_Rules::removal_refusal( self::row(), self::status( array( 'bytes' => 48212 ) ), self::disk() ) );
		$this->assertSame( 'the job verified another size', Remote_Rules::removal_refusal( self::row(), self::status( array( 'bytes' => null ) ), self::disk() ) );
	}

	public function test_removal_refusal_pending_variant_refuses() {
		$status = self::status( array( 'variants' => array( array( 'format' => 'avif', 'status' => 'pending' ) ) ) );
		$this->assertSame( 'a variant is still pending', Remote_Rules::removal_refusal( self::row(), $status, self::disk() ) );
	}

	public function test_removal_refusal_disk_differs_refuses() {
		$this->assertSame( 'no local file', Remote_Rules::removal_refusal( self::row(), self::status(), function () {
			return null;
		} ) );
		$this->assertSame( 'the local file has another size', Remote_Rules::removal_refusal( self::row(), self::status(), self::disk( 1 ) ) );
		$this->assertSame( 'the local file has another MD5', Remote_Rules::removal_refusal( self::row(), self::status(), self::disk( 48213, str_repeat( 'b', 32 ) ) ) );
	}

	public function test_removal_refusal_status_refused_never_hashes() {
		$hashed = false;
		Remote_Rules::removal_refusal(
			self::row(),
			self::status( array( 'verified' => false ) ),
			function () use ( &$hashed ) {
				$hashed = true;
				return array( 48213, self::MD5 );
			}
		);
		$this->assertFalse( $hashed );
	}

	// -- The service's removal check ---------------------------------------------------------------------------

	private static function check_answer( $versioned, array $files, $status = 200 ) {
		return array(
			'status' => $status,
			'body'   => array(
				'versioned' => $versioned,
				'files'     => $files,
			),
			'error'  => 200 === $status ? null : 'HTTP ' . $status,
		);
	}

	public function test_read_removal_checks_verified_versioned_allows_only_sent_paths() {
		$read = Remote_Rules::read_removal_checks(
			self::check_answer(
				true,
				array(
					array( 'path' => '2024/05/photo.jpg', 'verified' => true, 'reason' => null ),
					array( 'path' => '2024/05/other.jpg', 'verified' => true, 'reason' => null ),
					array( 'path' => '2024/05/b.jpg', 'verified' => false, 'reason' => 'MD5 differs' ),
				)
			),
			array( '2024/05/photo.jpg', '2024/05/b.jpg' )
		);
		$this->assertTrue( $read['ok'] );
		$this->assertSame( array( '2024/05/photo.jpg' => true ), $read['verified'] );
		$this->assertSame( array( '2024/05/b.jpg' => 'MD5 differs' ), $read['reasons'] );
	}

	public function test_read_removal_checks_unversioned_allows_nothing() {
		$read = Remote_Rules::read_removal_checks( self::check_answer( false, array( array( 'path' => '2024/05/photo.jpg', 'verified' => true ) ) ), array( '2024/05/photo.jpg' ) );
		$this->assertTrue( $read['ok'] );
		$this->assertFalse( $read['versioned'] );
		$this->assertSame( array(), $read['verified'] );
		$this->assertSame( 'the media bucket is not versioned', $read['error'] );
	}

	public function test_read_removal_checks_malformed_or_not_200_allows_nothing() {
		$sent = array( '2024/05/photo.jpg' );
		$good = array( array( 'path' => '2024/05/photo.jpg', 'verified' => true ) );
		foreach ( array(
			'unreachable' => array( 'status' => 0, 'body' => null, 'error' => 'cURL error 7' ),
			'500'         => self::check_answer( true, $good, 500 ),
			'201'         => self::check_answer( true, $good, 201 ),
			'no body'     => array( 'status' => 200, 'body' => null, 'error' => null ),
			'string flag' => array( 'status' => 200, 'body' => array( 'versioned' => 'true', 'files' => $good ), 'error' => null ),
			'bad entry'   => self::check_answer( true, array_merge( $good, array( array( 'path' => 'x.jpg', 'verified' => 'yes' ) ) ) ),
		) as $name => $answer ) {
			$read = Remote_Rules::read_removal_checks( $answer, $sent );
			$this->assertFalse( $read['ok'], $name );
			$this->assertSame( array(), $read['verified'], $name );
			$this->assertNotSame( '', $read['error'], $name );
		}
	}

	// -- Restores: the answer and the download -----------------------------------------------------------------

	public function test_read_restores_and_restore_refusal_size_md5_mismatch_rejects() {
		$files = Remote_Rules::read_restores(
			array(
				'status' => 200,
				'body'   => array(
					'files' => array(
						array( 'path' => 'a.jpg', 'found' => true, 'size' => 48213, 'md5' => strtoupper( self::MD5 ), 'url' => 'http://127.0.0.1:5000/b/a.jpg?X-Amz-Signature=x' ),
						array( 'path' => 'b.jpg', 'found' => false ),
						array( 'path' => 'c.jpg', 'found' => true, 'size' => 10, 'md5' => null, 'url' => 'https://s3/c' ),
						array( 'path' => 'd.jpg', 'found' => true, 'size' => 10, 'md5' => self::MD5, 'url' => 'file:///etc/passwd' ),
					),
				),
			)
		);
		$record = array( 'size' => 48213, 'md5' => self::MD5 );
		$this->assertSame( '', Remote_Rules::restore_refusal( $files['a.jpg'], $record ) );
		$this->assertSame( 'the bucket has no object', Remote_Rules::restore_refusal( $files['b.jpg'], $record ) );
		$this->assertSame( 'the object records no MD5', Remote_Rules::restore_refusal( $files['c.jpg'], $record ) );
		$this->assertSame( 'the answer has no download URL', Remote_Rules::restore_refusal( $files['d.jpg'], $record ) );
		$this->assertSame( 'the service did not answer for this path', Remote_Rules::restore_refusal( null, $record ) );
		$this->assertSame( 'the object has 48213 bytes, the record 48214', Remote_Rules::restore_refusal( $files['a.jpg'], array( 'size' => 48214, 'md5' => self::MD5 ) ) );
		$this->assertSame( 'the object has another MD5 than the record', Remote_Rules::restore_refusal( $files['a.jpg'], array( 'size' => 48213, 'md5' => str_repeat( 'c', 32 ) ) ) );
		$this->assertNull( Remote_Rules::read_restores( array( 'status' => 503, 'body' => array( 'files' => array() ) ) ) );
	}

	public function test_download_refusal_size_or_md5_mismatch_rejects() {
		$record = array( 'size' => 48213, 'md5' => self::MD5 );
		$this->assertSame( '', Remote_Rules::download_refusal( 200, 48213, self::MD5, $record ) );
		$this->assertSame( 'the download has 48000 bytes, the record 48213', Remote_Rules::download_refusal( 200, 48000, self::MD5, $record ) );
		$this->assertSame( 'the download has another MD5 than the record', Remote_Rules::download_refusal( 200, 48213, str_repeat( 'd', 32 ), $record ) );
		$this->assertSame( 'the download answered HTTP 403', Remote_Rules::download_refusal( 403, 48213, self::MD5, $record ) );
		$this->assertSame( 'the download failed', Remote_Rules::download_refusal( 0, null, null, $record ) );
		$this->assertSame( 'the download has no bytes, the record 48213', Remote_Rules::download_refusal( 200, null, null, $record ) );
	}

	// -- Path containment --------------------------------------------------------------------------------------

	public function test_contained_path_inside_uploads_allows_missing_folders() {
		$dir = $this->temp_dir();
		$this->assertSame( $dir . '/uploads/2024/05/photo.jpg', Remote_Rules::contained_path( $dir . '/uploads', '2024/05/photo.jpg' ) );
		// A folder that does not exist yet is judged by its nearest existing ancestor, and nothing is created.
		$this->assertSame( $dir . '/uploads/2031/01/new.jpg', Remote_Rules::contained_path( $dir . '/uploads', '2031/01/new.jpg' ) );
		$this->assertDirectoryDoesNotExist( $dir . '/uploads/2031' );
	}

	public function test_contained_path_traversal_or_absolute_refuses() {
		$dir = $this->temp_dir();
		foreach ( array( '../outside/x.jpg', '2024/../../outside/x.jpg', '2024/./x.jpg', '2024//x.jpg', '/etc/passwd', '\\\\server\\x.jpg', 'C:/x.jpg', "2024/x\0.jpg", '' ) as $relative ) {
			$this->assertNull( Remote_Rules::contained_path( $dir . '/uploads', $relative ), $relative );
		}
	}

	public function test_contained_path_symlink_escape_refuses() {
		$dir = $this->temp_dir();
		if ( ! @symlink( $dir . '/outside', $dir . '/uploads/2024/escape' ) ) { // phpcs:ignore WordPress.PHP.NoSilencedErrors
			$this->markTestSkipped( 'symlinks are not available here' );
		}
		$this->assertNull( Remote_Rules::contained_path( $dir . '/uploads', '2024/escape/x.jpg' ) );
		$this->assertNull( Remote_Rules::contained_path( $dir . '/uploads', '2024/escape/deeper/x.jpg' ) );
		// A link that stays inside is fine: what counts is where the folder really is.
		symlink( $dir . '/uploads/2024/05', $dir . '/uploads/2024/inside' );
		$this->assertSame( $dir . '/uploads/2024/inside/x.jpg', Remote_Rules::contained_path( $dir . '/uploads', '2024/inside/x.jpg' ) );
	}

	public function test_is_part_of_matches_only_the_targets_leftovers() {
		$this->assertTrue( Remote_Rules::is_part_of( 'photo.jpg.media-offload-part-0a1b2c', 'photo.jpg' ) );
		$this->assertFalse( Remote_Rules::is_part_of( 'photo.jpg.media-offload-part-', 'photo.jpg' ) );
		$this->assertFalse( Remote_Rules::is_part_of( 'photo-300x200.jpg.media-offload-part-0a1b2c', 'photo.jpg' ) );
		$this->assertFalse( Remote_Rules::is_part_of( 'photo.jpg', 'photo.jpg' ) );
	}

	// -- Marker ------------------------------------------------------------------------------------------------

	public function test_marker_content_counts_and_utc_time() {
		$this->assertSame( '{"files":3,"bytes":145000,"updated":"2026-12-01T15:20:00Z"}', Remote_Rules::marker_content( 3, 145000, 1796138400 ) );
		$this->assertSame( array( 'files' => 0, 'bytes' => 0, 'updated' => '1970-01-01T00:00:00Z' ), json_decode( Remote_Rules::marker_content( -1, -5, 0 ), true ) );
	}

	// -- Manifest and describe() -------------------------------------------------------------------------------

	public function test_shape_page_remote_only_row_emits_remote_only_true() {
		$rows = array(
			array( 'path' => '2024/05/a.jpg', 'attachment_id' => 7, 'name' => '2024/05/a.jpg', 'size' => 10, 'md5' => self::MD5, 'mime' => 'image/jpeg', 'modified' => 0, 'remote_only' => '1' ),
			array( 'path' => '2024/05/b.jpg', 'attachment_id' => 7, 'name' => '2024/05/b.jpg', 'size' => 11, 'md5' => self::MD5, 'mime' => 'image/jpeg', 'modified' => 0, 'remote_only' => '0' ),
			array( 'path' => '2024/05/c.jpg', 'attachment_id' => 7, 'name' => '2024/05/c.jpg', 'size' => 12, 'md5' => self::MD5, 'mime' => 'image/jpeg', 'modified' => 0 ),
		);
		$page = Manifest_Index::shape_page( $rows, 10, 'https://example.com/wp-content/uploads', '' );
		$this->assertTrue( $page['files'][0]['remoteOnly'] );
		$this->assertSame( 10, $page['files'][0]['size'] );
		$this->assertArrayNotHasKey( 'remoteOnly', $page['files'][1] );
		$this->assertArrayNotHasKey( 'remoteOnly', $page['files'][2] );
	}

	public function test_fingerprint_missing_file_with_remote_record_keeps_record() {
		$dir    = $this->temp_dir();
		$record = array( 'size' => 48213, 'mtime' => 1700000000, 'md5' => self::MD5, 'remote' => true, 'removed' => 1700000500 );
		$this->assertSame( $record, Attachment_Files::fingerprint( $dir . '/uploads/2024/05/gone.jpg', $record ) );
		// Missing and not recorded remote: the file is gone.
		$this->assertNull( Attachment_Files::fingerprint( $dir . '/uploads/2024/05/gone.jpg', array( 'size' => 1, 'mtime' => 1, 'md5' => self::MD5 ) ) );
		$this->assertNull( Attachment_Files::fingerprint( $dir . '/uploads/2024/05/gone.jpg', array( 'remote' => true, 'size' => 1, 'mtime' => 1, 'md5' => 'not-an-md5' ) ) );
	}

	public function test_fingerprint_present_file_clears_remote_flag() {
		$dir  = $this->temp_dir();
		$file = $dir . '/uploads/2024/05/back.jpg';
		file_put_contents( $file, 'restored bytes' );
		$record = array( 'size' => 48213, 'mtime' => 1700000000, 'md5' => self::MD5, 'remote' => true, 'removed' => 1700000500 );
		$this->assertSame(
			array(
				'size'  => strlen( 'restored bytes' ),
				'mtime' => filemtime( $file ),
				'md5'   => md5( 'restored bytes' ),
			),
			Attachment_Files::fingerprint( $file, $record )
		);
	}

	public function test_is_local_file_upload_events_leave_remote_only_out() {
		$this->assertTrue( Events::is_local_file( array( 'path' => 'a.jpg', 'remote_only' => false ) ) );
		$this->assertTrue( Events::is_local_file( array( 'path' => 'a.jpg' ) ) );
		$this->assertFalse( Events::is_local_file( array( 'path' => 'a.jpg', 'remote_only' => true ) ) );
	}

	// -- Which get_attached_file() callers restore ---------------------------------------------------------------

	private static function frames( $caller, $file = '/wp/wp-includes/post.php' ) {
		return array(
			array( 'function' => 'on_demand', 'class' => 'MediaOffload\\Remote_Restore' ),
			array( 'function' => 'filter_attached_file', 'class' => 'MediaOffload\\Remote_Restore' ),
			array( 'function' => 'apply_filters', 'class' => 'WP_Hook' ),
			array( 'function' => 'apply_filters' ),
			array( 'function' => 'get_attached_file', 'file' => $file ),
			array( 'function' => $caller ),
		);
	}

	public function test_caller_wants_file_name_only_callers_do_not_restore() {
		foreach ( array( 'wp_prepare_attachment_for_js', 'attachment_submitbox_metadata', 'wp_delete_attachment', 'wp_attachment_is', 'wp_get_original_image_path' ) as $caller ) {
			$this->assertFalse( Remote_Rules::caller_wants_file( self::frames( $caller ) ), $caller );
		}
		$this->assertFalse( Remote_Rules::caller_wants_file( array_slice( self::frames( '', '/wp/wp-admin/async-upload.php' ), 0, 5 ) ) );
	}

	public function test_caller_wants_file_editor_and_plugins_restore() {
		foreach ( array( 'wp_save_image', '_load_image_to_edit_path', 'some_plugin_reads_file' ) as $caller ) {
			$this->assertTrue( Remote_Rules::caller_wants_file( self::frames( $caller ) ), $caller );
		}
	}

	public function test_caller_wants_file_original_path_for_js_does_not_restore() {
		$frames = array(
			array( 'function' => 'on_demand', 'class' => 'MediaOffload\\Remote_Restore' ),
			array( 'function' => 'filter_original_path', 'class' => 'MediaOffload\\Remote_Restore' ),
			array( 'function' => 'apply_filters', 'class' => 'WP_Hook' ),
			array( 'function' => 'apply_filters' ),
			array( 'function' => 'wp_get_original_image_path' ),
			array( 'function' => 'wp_prepare_attachment_for_js' ),
		);
		$this->assertFalse( Remote_Rules::caller_wants_file( $frames, 'wp_get_original_image_path' ) );
		$frames[5] = array( 'function' => 'wp_update_image_subsizes' );
		$this->assertTrue( Remote_Rules::caller_wants_file( $frames, 'wp_get_original_image_path' ) );
	}

	public function test_caller_wants_file_plugins_own_code_does_not_restore() {
		$frames   = self::frames( 'describe' );
		$frames[] = array( 'function' => 'describe', 'class' => 'MediaOffload\\Attachment_Files' );
		$this->assertFalse( Remote_Rules::caller_wants_file( $frames ) );
	}
}
