<?php
/**
 * Run reports as the plugin keeps and shows them.
 *
 * @package MediaOffload
 */

use MediaOffload\Reports;
use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/wp-stubs.php';

class ReportsTest extends TestCase {

	const RUN = 'backfill-20261201T152000Z-0a1b2c3d';

	private static function report() {
		return array(
			'version'      => 1,
			'command'      => 'backfill',
			'dryRun'       => false,
			'startedAt'    => '2026-12-01T15:20:00Z',
			'finishedAt'   => '2026-12-01T15:21:00Z',
			'planned'      => array( 'Skip' => 40, 'Upload' => 3, 'FixHeaders' => 0, 'GenerateVariant' => 2 ),
			'done'         => array( 'Upload' => 3, 'GenerateVariant' => 1 ),
			'failures'     => array( array( 'key' => 'wp-content/uploads/2026/12/<b>x</b>.png', 'action' => 'GenerateVariant', 'reason' => 'no variant: over the limit' ) ),
			'failureCount' => 1,
			'drift'        => 1,
			'inSync'       => false,
		);
	}

	public function test_run_ids_are_the_services_and_nothing_else() {
		$this->assertTrue( Reports::is_run_id( self::RUN ) );
		$this->assertTrue( Reports::is_run_id( 'reconcile-20261201T000000Z-ffffffff' ) );
		foreach ( array( '', '../jobs/x', 'backfill-20261201T152000Z-0A1B2C3D', self::RUN . "\n", self::RUN . '/../x', 'backfill-2026-12-01-0a1b2c3d', null, 42 ) as $bad ) {
			$this->assertFalse( Reports::is_run_id( $bad ), var_export( $bad, true ) );
		}
	}

	public function test_rows_list_every_action_with_planned_and_done() {
		$rows = Reports::action_rows( Reports::shape( self::report() ) );
		$this->assertSame(
			array(
				array( 'action' => 'FixHeaders', 'planned' => 0, 'done' => 0 ),
				array( 'action' => 'GenerateVariant', 'planned' => 2, 'done' => 1 ),
				array( 'action' => 'Skip', 'planned' => 40, 'done' => 0 ),
				array( 'action' => 'Upload', 'planned' => 3, 'done' => 3 ),
			),
			$rows
		);
	}

	public function test_a_report_is_checked_field_by_field() {
		$report                        = self::report();
		$report['planned']['Upload']   = '3; DROP';
		$report['planned']['Negative'] = -1;
		$report['drift']               = '1';
		$report['failures']            = array_fill( 0, 80, array( 'key' => 'k', 'action' => 'Upload', 'reason' => 'r' ) );
		$report['failureCount']        = 80;
		$shaped                        = Reports::shape( $report );
		$this->assertSame( array( 'Skip' => 40, 'FixHeaders' => 0, 'GenerateVariant' => 2 ), $shaped['planned'] );
		$this->assertNull( $shaped['drift'] );
		$this->assertCount( Reports::MAX_FAILURES, $shaped['failures'] );
		$this->assertSame( 80, $shaped['failureCount'] );
		$this->assertNull( Reports::shape( 'not a report' ) );
	}

	public function test_a_found_report_is_final_and_a_missing_one_is_asked_for_again_with_backoff() {
		$found = Reports::after_fetch( null, self::RUN, array( 'status' => 200, 'body' => self::report(), 'error' => null ), 1000 );
		$this->assertSame( array( 'found', 0 ), array( $found['state'], $found['nextCheckAt'] ) );
		$this->assertSame( 1, $found['report']['drift'] );
		$cache = null;
		$waits = array();
		for ( $i = 0; $i < 8; $i++ ) {
			$cache   = Reports::after_fetch( $cache, self::RUN, array( 'status' => 404, 'body' => null, 'error' => 'HTTP 404' ), 1000 );
			$waits[] = $cache['nextCheckAt'] - 1000;
		}
		$this->assertSame( array( 30, 60, 120, 240, 480, 900, 900, 900 ), $waits );
		$this->assertSame( 'missing', $cache['state'] );
		$error = Reports::after_fetch( $cache, self::RUN, array( 'status' => 0, 'body' => null, 'error' => 'cURL error 7' ), 1000 );
		$this->assertSame( array( 'error', 'cURL error 7', 9 ), array( $error['state'], $error['error'], $error['checks'] ) );
		// A count restarts for another run.
		$this->assertSame( 1, Reports::after_fetch( $cache, 'reconcile-20261201T000000Z-ffffffff', array( 'status' => 404, 'body' => null, 'error' => '' ), 1000 )['checks'] );
	}

	public function test_a_report_naming_another_run_is_not_taken() {
		$other          = self::report();
		$other['runId'] = 'backfill-20261201T152000Z-ffffffff';
		$after          = Reports::after_fetch( null, self::RUN, array( 'status' => 200, 'body' => $other, 'error' => null ), 1000 );
		$this->assertSame( 'error', $after['state'] );
		$this->assertNull( $after['report'] );
	}
}
