<?php
/**
 * Job status: the poll schedule and its bounds, states from a job answer (docs/status.md), the bounded resend, and
 * what the Media Library prints of it.
 *
 * @package MediaOffload
 */

use MediaOffload\Job_Status;
use MediaOffload\Media_Column;
use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/wp-stubs.php';

class JobStatusTest extends TestCase {

	const JOB = 'j-0123456789abcdef0123456789abcdef';
	const NOW = 1800000000;

	private static function variant( $format, $status, $reason = null, $holds = null ) {
		return array( 'format' => $format, 'key' => 'k.' . $format, 'status' => $status, 'holds' => $holds ?? ( 'made' === $status ? $format : null ), 'bytes' => 1, 'reason' => $reason );
	}

	private static function file( $path, $status = 'uploaded', array $variants = null, $reason = null, $retryable = false ) {
		return array(
			'path'      => $path,
			'key'       => 'wp-content/uploads/' . $path,
			'status'    => $status,
			'bytes'     => 10,
			'md5'       => str_repeat( 'a', 32 ),
			'verified'  => in_array( $status, array( 'uploaded', 'unchanged' ), true ),
			'reason'    => $reason,
			'retryable' => $retryable,
			'variants'  => $variants ?? array( self::variant( 'avif', 'made' ), self::variant( 'webp', 'made' ) ),
		);
	}

	/** A job answer as the contract's example, with the given files and, unless null, the service's state. */
	private static function answer( array $files, $state = null, $retryable = null, $job = self::JOB ) {
		$answer = array(
			'jobId'        => $job,
			'type'         => 'attachment.uploaded',
			'site'         => 'https://blog.example.com',
			'attachmentId' => 42,
			'files'        => $files,
		);
		if ( null !== $state ) {
			$answer['state'] = $state;
		}
		if ( null !== $retryable ) {
			$answer['retryable'] = $retryable;
		}
		return $answer;
	}

	private static function normalized( array $files ) {
		return Job_Status::normalize_answer( self::answer( $files ), self::JOB, 42 )['files'];
	}

	private static function job( $paths = array( '2026/12/photo.jpg' ) ) {
		return Job_Status::new_job( self::JOB, 'attachment.uploaded', $paths, self::NOW, Job_Status::backoff( 0 ) );
	}

	private static function ok( $body ) {
		return array( 'status' => 200, 'body' => $body, 'error' => null );
	}

	private static function six_files() {
		$files = array();
		foreach ( array( 'photo.jpg', 'photo-150x150.jpg', 'photo-300x200.jpg', 'photo-768x512.jpg', 'photo-1024x683.jpg', 'photo-scaled.jpg' ) as $name ) {
			$files[] = self::file( '2026/12/' . $name );
		}
		return $files;
	}

	/** A stored record with one polled job. */
	private static function record( array $answer ) {
		$job = Job_Status::apply_poll( self::job( array_column( $answer['files'], 'path' ) ), self::ok( $answer ), 42, self::NOW + 10, 20 );
		return Job_Status::with_job( array(), $job );
	}

	// -- Schedule and bounds -------------------------------------------------------------------------------------

	public function test_backoff_doubles_from_ten_seconds_and_caps_at_fifteen_minutes() {
		$delays = array_map( array( Job_Status::class, 'backoff' ), range( 0, 10 ) );
		$this->assertSame( array( 10, 20, 40, 80, 160, 320, 640, 900, 900, 900, 900 ), $delays );
		$this->assertSame( 900, Job_Status::backoff( 10000 ) );
		$this->assertSame( 10, Job_Status::backoff( -3 ) );
	}

	public function test_a_new_job_is_pending_and_due_after_the_first_delay() {
		$job = self::job();
		$this->assertSame( 'pending', $job['state'] );
		$this->assertSame( self::NOW + 10, $job['nextPollAt'] );
		$this->assertSame( 0, $job['polls'] );
	}

	public function test_an_answer_without_a_job_id_is_never_polled() {
		foreach ( array( '', '../../v1/backfill', 'j-0123456789ABCDEF0123456789ABCDEF', self::JOB . "\n" ) as $id ) {
			$job = Job_Status::new_job( $id, 'attachment.uploaded', array( 'a.jpg' ), self::NOW, 10 );
			$this->assertSame( 'unknown', $job['state'], $id );
			$this->assertSame( '', $job['jobId'] );
			$this->assertSame( 0, $job['nextPollAt'] );
		}
	}

	public function test_a_pending_job_is_polled_again_until_the_poll_bound_then_given_up_as_unknown() {
		$job     = self::job();
		$pending = self::ok( self::answer( array( self::file( '2026/12/photo.jpg', 'pending', array() ) ), 'pending' ) );
		$now     = self::NOW;
		for ( $i = 1; $i < Job_Status::MAX_POLLS; $i++ ) {
			$now += 60;
			$job  = Job_Status::apply_poll( $job, $pending, 42, $now, Job_Status::backoff( $i ) );
			$this->assertSame( 'pending', $job['state'] );
			$this->assertSame( $now + Job_Status::backoff( $i ), $job['nextPollAt'] );
		}
		$job = Job_Status::apply_poll( $job, $pending, 42, $now + 60, 900 );
		$this->assertSame( Job_Status::MAX_POLLS, $job['polls'] );
		$this->assertSame( array( 'unknown', 'stopped', 0 ), array( $job['state'], $job['reason'], $job['nextPollAt'] ) );
	}

	public function test_a_job_older_than_a_day_is_given_up_even_with_few_polls() {
		$job = Job_Status::apply_poll( self::job(), array( 'status' => 0, 'body' => null, 'error' => 'connection refused' ), 42, self::NOW + Job_Status::MAX_AGE, 900 );
		$this->assertSame( array( 'unknown', 'stopped', 0, 1 ), array( $job['state'], $job['reason'], $job['nextPollAt'], $job['polls'] ) );
	}

	public function test_a_404_is_unknown_for_good_and_a_transient_error_is_tried_again() {
		$gone = Job_Status::apply_poll( self::job(), array( 'status' => 404, 'body' => null, 'error' => 'HTTP 404: Not Found' ), 42, self::NOW + 10, 20 );
		$this->assertSame( array( 'unknown', 'not_found', 0 ), array( $gone['state'], $gone['reason'], $gone['nextPollAt'] ) );
		foreach ( array( 0, 401, 500, 503 ) as $status ) {
			$job = Job_Status::apply_poll( self::job(), array( 'status' => $status, 'body' => null, 'error' => "HTTP {$status}" ), 42, self::NOW + 10, 20 );
			$this->assertSame( 'pending', $job['state'], (string) $status );
			$this->assertSame( self::NOW + 30, $job['nextPollAt'] );
			$this->assertSame( "HTTP {$status}", $job['lastError'] );
		}
	}

	public function test_an_answer_about_another_job_or_attachment_changes_nothing_but_the_poll_count() {
		$files = array( self::file( '2026/12/photo.jpg' ) );
		foreach ( array( self::answer( $files, 'done', false, 'j-ffffffffffffffffffffffffffffffff' ), array_merge( self::answer( $files, 'done' ), array( 'attachmentId' => 7 ) ), 'not json', null ) as $body ) {
			$job = Job_Status::apply_poll( self::job(), self::ok( $body ), 42, self::NOW + 10, 20 );
			$this->assertSame( 'pending', $job['state'] );
			$this->assertSame( array(), $job['files'] );
			$this->assertSame( 1, $job['polls'] );
		}
	}

	// -- States from a job answer -----------------------------------------------------------------------------------

	public function test_states_follow_the_contract_rule() {
		$this->assertSame( 'done', Job_Status::derive_state( self::normalized( self::six_files() ) ) );
		$this->assertSame( 'done', Job_Status::derive_state( self::normalized( array( self::file( 'a.pdf', 'unchanged', array() ) ) ) ) );
		$this->assertSame( 'pending', Job_Status::derive_state( self::normalized( array( self::file( 'a.jpg' ), self::file( 'b.jpg', 'pending', array() ) ) ) ) );
		// A variant still to be made keeps the job pending, even beside a failure.
		$this->assertSame( 'pending', Job_Status::derive_state( self::normalized( array( self::file( 'a.jpg', 'failed', array(), 'site down', true ), self::file( 'b.jpg', 'uploaded', array( self::variant( 'avif', 'pending' ), self::variant( 'webp', 'made' ) ) ) ) ) ) );
		$this->assertSame( 'failed', Job_Status::derive_state( self::normalized( array( self::file( 'a.jpg', 'refused', array() ) ) ) ) );
		$this->assertSame( 'failed', Job_Status::derive_state( self::normalized( array( self::file( 'big.png', 'uploaded', array( self::variant( 'avif', 'failed', 'over the limit' ), self::variant( 'webp', 'failed', 'over the limit' ) ) ) ) ) ) );
	}

	public function test_only_failures_that_heal_are_retryable() {
		$this->assertTrue( Job_Status::derive_retryable( self::normalized( array( self::file( 'a.jpg', 'failed', array(), 'the site was down', true ), self::file( 'b.jpg' ) ) ) ) );
		$this->assertFalse( Job_Status::derive_retryable( self::normalized( array( self::file( 'a.jpg', 'failed', array(), 'the site was down', true ), self::file( 'b.jpg', 'failed', array(), 'not a JPEG', false ) ) ) ) );
		$this->assertFalse( Job_Status::derive_retryable( self::normalized( array( self::file( 'a.jpg', 'failed', array(), 'down', true ), self::file( 'b.jpg', 'refused', array() ) ) ) ) );
		$this->assertFalse( Job_Status::derive_retryable( self::normalized( array( self::file( 'a.jpg', 'failed', array(), 'down', true ), self::file( 'big.png', 'uploaded', array( self::variant( 'webp', 'failed', 'pixel bomb' ) ) ) ) ) ) );
		$this->assertFalse( Job_Status::derive_retryable( self::normalized( self::six_files() ) ) );
	}

	public function test_the_services_state_and_counts_are_taken_as_given_and_derived_when_absent() {
		$files  = self::six_files();
		$answer = Job_Status::normalize_answer( self::answer( $files, 'done', false ), self::JOB, 42 );
		$this->assertSame( array( 'done', false ), array( $answer['state'], $answer['retryable'] ) );
		$this->assertSame( array( 6, 6, 6, 6 ), array( $answer['counts']['files'], $answer['counts']['offloaded'], $answer['counts']['avif'], $answer['counts']['webp'] ) );
		$given  = self::answer( $files, 'pending' );
		$given['counts'] = array( 'files' => 6, 'offloaded' => 2, 'avif' => 'x', 'webp' => -1 );
		$answer = Job_Status::normalize_answer( $given, self::JOB, 42 );
		$this->assertSame( array( 'pending', 6, 2, 6, 6 ), array( $answer['state'], $answer['counts']['files'], $answer['counts']['offloaded'], $answer['counts']['avif'], $answer['counts']['webp'] ) );
		$this->assertSame( 'failed', Job_Status::normalize_answer( self::answer( array( self::file( 'a.jpg', 'refused', array() ) ), 'bogus' ), self::JOB, 42 )['state'] );
		// retryable only ever goes with failed.
		$this->assertFalse( Job_Status::normalize_answer( self::answer( $files, 'done', true ), self::JOB, 42 )['retryable'] );
		$this->assertTrue( Job_Status::normalize_answer( self::answer( array( self::file( 'a.jpg', 'failed', array(), 'down', true ) ), 'failed', true ), self::JOB, 42 )['retryable'] );
	}

	public function test_text_from_the_service_is_clipped_and_statuses_are_checked() {
		$long   = str_repeat( 'é', 2000 );
		$answer = Job_Status::normalize_answer( self::answer( array( self::file( "2026/12/a\x00b\nc.jpg", 'exploded', array( self::variant( 'webp', 'made"><b>', $long ) ) ) ) ), self::JOB, 42 );
		$file   = $answer['files'][0];
		$this->assertSame( '2026/12/a b c.jpg', $file['path'] );
		$this->assertSame( 'unknown', $file['status'] );
		$this->assertSame( 'unknown', $file['variants'][0]['status'] );
		$this->assertLessThanOrEqual( Job_Status::MAX_TEXT, strlen( $file['variants'][0]['reason'] ) );
		$this->assertTrue( (bool) preg_match( '//u', $file['variants'][0]['reason'] ), 'clipped inside a character' );
	}

	// -- The bounded resend ---------------------------------------------------------------------------------------------

	public function test_a_retryable_failure_is_resent_at_most_three_times() {
		$job = Job_Status::apply_poll( self::job( array( 'a.jpg' ) ), self::ok( self::answer( array( self::file( 'a.jpg', 'failed', array(), 'the site was down', true ) ), 'failed', true ) ), 42, self::NOW + 10, 20 );
		$this->assertSame( 0, $job['nextPollAt'], 'a failed job is not polled again' );
		$this->assertSame( array( true, true, true, false, false ), array_map( array( $this, 'resends' ), array_fill( 0, 5, $job ), range( 0, 4 ) ) );
	}

	public function resends( $job, $resends ) {
		return Job_Status::should_resend( $job, $resends );
	}

	public function test_a_permanent_failure_or_a_finished_job_is_never_resent() {
		$bomb = Job_Status::apply_poll( self::job( array( 'big.png' ) ), self::ok( self::answer( array( self::file( 'big.png', 'uploaded', array( self::variant( 'webp', 'failed', 'over the limit' ) ) ) ), 'failed', false ) ), 42, self::NOW + 10, 20 );
		$done = Job_Status::apply_poll( self::job(), self::ok( self::answer( self::six_files(), 'done', false ) ), 42, self::NOW + 10, 20 );
		$this->assertFalse( Job_Status::should_resend( $bomb, 0 ) );
		$this->assertFalse( Job_Status::should_resend( $done, 0 ) );
		$this->assertSame( 0, $bomb['nextPollAt'] );
		$this->assertSame( 0, $done['nextPollAt'] );
	}

	// -- The record and its view ----------------------------------------------------------------------------------

	public function test_a_new_job_replaces_jobs_of_the_same_files_and_keeps_other_chunks() {
		$a      = Job_Status::new_job( 'j-' . str_repeat( 'a', 32 ), 'attachment.uploaded', array( 'p/1.jpg', 'p/2.jpg' ), self::NOW, 10 );
		$b      = Job_Status::new_job( 'j-' . str_repeat( 'b', 32 ), 'attachment.uploaded', array( 'p/3.jpg' ), self::NOW, 10 );
		$c      = Job_Status::new_job( 'j-' . str_repeat( 'c', 32 ), 'attachment.updated', array( 'p/1.jpg', 'p/2.jpg', 'p/1-e1.jpg' ), self::NOW + 5, 10 );
		$status = Job_Status::with_job( Job_Status::with_job( Job_Status::with_job( array(), $a ), $b ), $c );
		$this->assertSame( array( 'j-' . str_repeat( 'b', 32 ), 'j-' . str_repeat( 'c', 32 ) ), array_column( $status['jobs'], 'jobId' ) );
		$this->assertSame( self::NOW + 10, Job_Status::next_poll( $status ) );
	}

	public function test_chunks_of_one_attachment_add_up_and_the_slowest_decides() {
		$first  = Job_Status::apply_poll( Job_Status::new_job( 'j-' . str_repeat( 'a', 32 ), 'attachment.updated', array( '2026/12/a.jpg' ), self::NOW, 10 ), self::ok( self::answer( array( self::file( '2026/12/a.jpg' ) ), 'done', false, 'j-' . str_repeat( 'a', 32 ) ) ), 42, self::NOW + 10, 20 );
		$second = Job_Status::new_job( 'j-' . str_repeat( 'b', 32 ), 'attachment.updated', array( '2026/12/b.jpg', '2026/12/c.jpg' ), self::NOW, 10 );
		$status = Job_Status::with_job( Job_Status::with_job( array(), $first ), $second );
		$view   = Job_Status::view( $status );
		$this->assertSame( array( 'pending', 3, 1, 1, 1 ), array( $view['state'], $view['counts']['files'], $view['counts']['offloaded'], $view['counts']['avif'], $view['counts']['webp'] ) );
		$this->assertSame( array( '2026/12/a.jpg', '2026/12/b.jpg', '2026/12/c.jpg' ), array_column( $view['files'], 'path' ) );
		$this->assertSame( array( 'uploaded', 'pending', 'pending' ), array_column( $view['files'], 'status' ) );
		$this->assertSame( self::NOW + 10, Job_Status::next_poll( $status ), 'only the pending chunk is polled' );
	}

	public function test_the_outbox_comes_before_the_record() {
		$record = self::record( self::answer( self::six_files(), 'done', false ) );
		$this->assertSame( 'offloaded', Job_Status::view( $record )['state'] );
		$waiting = Job_Status::view( $record, array( 'status' => 'pending', 'attempts' => 2, 'last_error' => 'cURL error 7' ) );
		$this->assertSame( array( 'pending', true, 'send_retrying', 'cURL error 7' ), array( $waiting['state'], $waiting['waiting'], $waiting['reasonCode'], $waiting['reason'] ) );
		$refused = Job_Status::view( array(), array( 'status' => 'failed', 'attempts' => 1, 'last_error' => 'HTTP 422: reserved name' ) );
		$this->assertSame( array( 'failed', 'refused_event', 'HTTP 422: reserved name' ), array( $refused['state'], $refused['reasonCode'], $refused['reason'] ) );
		$this->assertSame( 'none', Job_Status::view( null )['state'] );
		$this->assertSame( 'none', Job_Status::view( 'garbage' )['state'] );
	}

	public function test_a_refusal_is_kept_until_the_event_is_accepted_again() {
		$status = Job_Status::shape( array() );
		$status['sendError'] = array( 'reason' => 'HTTP 422: a path that may not be offloaded', 'permanent' => true, 'at' => self::NOW );
		$this->assertSame( 'failed', Job_Status::stored_state( $status ) );
		$this->assertSame( 'failed', Job_Status::view( $status )['state'] );
		$status['sendError']['permanent'] = false;
		$this->assertSame( 'none', Job_Status::stored_state( $status ), 'a transient send error is the outbox\'s to show' );
		$this->assertSame( 'pending', Job_Status::stored_state( Job_Status::with_job( $status, self::job() ) ) );
		$this->assertNull( Job_Status::with_job( $status, self::job() )['sendError'] );
	}

	// -- The column -----------------------------------------------------------------------------------------------------

	public function test_the_column_says_offloaded_with_the_variant_counts() {
		$view = Job_Status::view( self::record( self::answer( self::six_files(), 'done', false ) ) );
		$this->assertSame( 'Offloaded 6/6 · AVIF 6 · WebP 6', Media_Column::label( $view ) );
		$pdf = Job_Status::view( self::record( self::answer( array( self::file( '2026/12/a.pdf', 'uploaded', array() ) ), 'done', false ) ) );
		$this->assertSame( 'Offloaded 1/1', Media_Column::label( $pdf ) );
	}

	public function test_label_remote_only_files_are_counted() {
		$view               = Job_Status::view( self::record( self::answer( self::six_files(), 'done', false ) ) );
		$view['remoteOnly'] = 4;
		$this->assertSame( 'Offloaded 6/6 · AVIF 6 · WebP 6 · 4 remote-only', Media_Column::label( $view ) );
		$view['remoteOnly'] = 0;
		$this->assertSame( 'Offloaded 6/6 · AVIF 6 · WebP 6', Media_Column::label( $view ) );
	}

	public function test_normalize_answer_keeps_verified_bytes_and_md5() {
		$answer = self::answer( self::six_files(), 'done', false );
		$answer['files'][0]['verified'] = true;
		$answer['files'][0]['bytes']    = 59919;
		$answer['files'][0]['md5']      = '9E107D9D372BB6826BD81D3542A419D6';
		$answer['files'][1]['bytes']    = '59919';
		$answer['files'][1]['md5']      = 'not an md5';
		$files = Job_Status::normalize_answer( $answer, $answer['jobId'], $answer['attachmentId'] )['files'];
		$this->assertTrue( $files[0]['verified'] );
		$this->assertSame( 59919, $files[0]['bytes'] );
		$this->assertSame( '9e107d9d372bb6826bd81d3542a419d6', $files[0]['md5'] );
		$this->assertNull( $files[1]['bytes'] );
		$this->assertSame( '', $files[1]['md5'] );
	}

	public function test_the_column_says_pending_with_progress_or_that_the_event_waits() {
		$files    = self::six_files();
		$files[5] = self::file( '2026/12/photo-scaled.jpg', 'pending', array() );
		$files[4]['variants'][0]['status'] = 'pending';
		$view = Job_Status::view( self::record( self::answer( $files, 'pending' ) ) );
		$this->assertSame( 'Pending (5/6)', Media_Column::label( $view ) );
		$this->assertSame( 'Pending (0/2)', Media_Column::label( Job_Status::view( Job_Status::with_job( array(), self::job( array( 'a.jpg', 'b.jpg' ) ) ) ) ) );
		$this->assertSame( 'Pending (waiting to send)', Media_Column::label( Job_Status::view( array(), array( 'status' => 'pending', 'attempts' => 0, 'last_error' => null ) ) ) );
		$this->assertSame( 'Pending (waiting to send, 3 attempts failed)', Media_Column::label( Job_Status::view( array(), array( 'status' => 'pending', 'attempts' => 3, 'last_error' => 'down' ) ) ) );
	}

	public function test_the_column_says_failed_with_the_first_reason() {
		$reason = 'header says 5000x5000 = 25000000 pixels (all frames), over the limit of 20000000';
		$files  = array( self::file( '2026/12/big.png', 'uploaded', array( self::variant( 'avif', 'failed', $reason ), self::variant( 'webp', 'failed', $reason ) ) ), self::file( '2026/12/big-150x150.png' ) );
		$view   = Job_Status::view( self::record( self::answer( $files, 'failed', false ) ) );
		$this->assertSame( 'Failed: big.png (AVIF): ' . $reason, Media_Column::label( $view ) );
		$this->assertStringContainsString( "2026/12/big.png: uploaded · AVIF failed ({$reason}) · WebP failed ({$reason})", Media_Column::title( $view ) );
		$this->assertSame( 'Failed: the service refused the event (HTTP 422: not offloadable)', Media_Column::label( Job_Status::view( array(), array( 'status' => 'failed', 'attempts' => 1, 'last_error' => 'HTTP 422: not offloadable' ) ) ) );
	}

	public function test_the_column_says_when_resends_ran_out() {
		$record            = self::record( self::answer( array( self::file( 'p/a.jpg', 'failed', array(), 'the site was down', true ) ), 'failed', true ) );
		$record['resends'] = Job_Status::MAX_RESENDS;
		$this->assertSame( 'Failed: a.jpg: the site was down (sent again 3 times)', Media_Column::label( Job_Status::view( $record ) ) );
	}

	public function test_the_column_says_unknown_and_not_offloaded() {
		$job = Job_Status::apply_poll( self::job(), array( 'status' => 404, 'body' => null, 'error' => 'HTTP 404' ), 42, self::NOW + 10, 20 );
		$this->assertStringStartsWith( 'Unknown: the service does not know this job', Media_Column::label( Job_Status::view( Job_Status::with_job( array(), $job ) ) ) );
		$job['reason'] = 'stopped';
		$this->assertSame( 'Unknown: stopped checking', Media_Column::label( Job_Status::view( Job_Status::with_job( array(), $job ) ) ) );
		$this->assertSame( 'Not offloaded', Media_Column::label( Job_Status::view( array() ) ) );
	}

	public function test_file_names_and_reasons_are_escaped_in_the_cell_and_the_details() {
		// A name cannot hold a slash, so its script element stays unclosed; the reason closes one.
		$name   = '2026/12/<script>alert(1)<script>.jpg';
		$reason = '"><img src=x onerror=alert(2)></script>';
		$files  = array( self::file( $name, 'failed', array(), $reason, false ), self::file( '2026/12/x\'y".jpg' ) );
		$view   = Job_Status::view( self::record( self::answer( $files, 'failed', false ) ) );
		foreach ( array( Media_Column::cell( $view ), Media_Column::details( $view, 'https://blog.example.com/wp-admin/admin-post.php?action=x&a="><script>' ) ) as $html ) {
			$this->assertStringNotContainsString( '<script', $html );
			$this->assertStringNotContainsString( '<img', $html );
			$this->assertStringNotContainsString( '</script', $html );
			$this->assertStringContainsString( '&lt;script&gt;alert(1)&lt;script&gt;.jpg', $html );
			$this->assertStringContainsString( '&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&lt;/script&gt;', $html );
			// Every attribute is closed where it should be: the only quotes are the markup's own.
			$this->assertSame( 0, preg_match( '/title="[^"]*"[^ >]/', $html ) );
		}
		$cell = Media_Column::cell( $view );
		$this->assertSame( 1, substr_count( $cell, '<span' ) );
		$this->assertStringContainsString( 'data-state="failed"', $cell );
	}
}
