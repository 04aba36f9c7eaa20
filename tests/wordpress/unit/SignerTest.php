<?php
/**
 * Signing, against the vectors the C# side is tested with.
 *
 * @package MediaOffload
 */

use MediaOffload\Signer;
use PHPUnit\Framework\TestCase;

class SignerTest extends TestCase {

	public static function vectors() {
		$file = json_decode( file_get_contents( MEDIA_OFFLOAD_REPO . '/tests/vectors/signing.json' ), true );
		$out  = array();
		foreach ( $file['vectors'] as $vector ) {
			$out[ $vector['name'] ] = array( $vector );
		}
		return $out;
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_canonical_string_matches_vector( array $v ) {
		$this->assertSame( $v['canonical'], Signer::canonical( $v['timestamp'], $v['method'], $v['pathAndQuery'], $v['body'] ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_signature_matches_vector( array $v ) {
		$this->assertSame( $v['signature'], Signer::sign( $v['secret'], $v['timestamp'], $v['method'], $v['pathAndQuery'], $v['body'] ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_vector_verifies_within_skew( array $v ) {
		$this->assertSame( Signer::VALID, Signer::verify( array( $v['secret'] ), (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] + 299 ) );
		$this->assertSame( Signer::VALID, Signer::verify( array( $v['secret'] ), (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] - 300 ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_stale_and_future_timestamps_are_expired( array $v ) {
		$this->assertSame( Signer::EXPIRED, Signer::verify( array( $v['secret'] ), (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] + 301 ) );
		$this->assertSame( Signer::EXPIRED, Signer::verify( array( $v['secret'] ), (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] - 301 ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_any_change_is_a_mismatch( array $v ) {
		$now = $v['timestamp'];
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( 'another-secret' ), (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $now ) );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( $v['secret'] ), (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'] . 'x', $v['body'], $now ) );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( $v['secret'] ), (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'] . ' ', $now ) );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( $v['secret'] ), (string) ( $v['timestamp'] + 1 ), $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $now ) );
	}

	public function test_rotated_secrets_are_all_accepted() {
		$sig = Signer::sign( 'old-secret-old-secret-old-secret-x', 1000, 'GET', '/m', '' );
		$this->assertSame( Signer::VALID, Signer::verify( array( 'new-secret-new-secret-new-secret-x', 'old-secret-old-secret-old-secret-x' ), '1000', $sig, 'GET', '/m', '', 1000 ) );
	}

	public function test_upper_case_hex_is_accepted() {
		$sig = Signer::sign( 's', 1000, 'GET', '/m', '' );
		$this->assertSame( Signer::VALID, Signer::verify( array( 's' ), '1000', 'v1=' . strtoupper( substr( $sig, 3 ) ), 'GET', '/m', '', 1000 ) );
	}

	public function test_missing_and_malformed_headers() {
		$sig = Signer::sign( 's', 1000, 'GET', '/m', '' );
		$this->assertSame( Signer::MISSING, Signer::verify( array( 's' ), null, $sig, 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MISSING, Signer::verify( array( 's' ), '1000', '', 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MALFORMED, Signer::verify( array( 's' ), '1000.5', $sig, 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MALFORMED, Signer::verify( array( 's' ), '1000', substr( $sig, 3 ), 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MALFORMED, Signer::verify( array( 's' ), '1000', 'v2=' . substr( $sig, 3 ), 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MALFORMED, Signer::verify( array( 's' ), '1000', 'v1=zz', 'GET', '/m', '', 1000 ) );
	}

	public function test_empty_secrets_never_verify() {
		$sig = Signer::sign( '', 1000, 'GET', '/m', '' );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( '' ), '1000', $sig, 'GET', '/m', '', 1000 ) );
	}

	public function test_headers_carry_timestamp_and_signature() {
		$headers = Signer::headers( 's', 'post', '/v1/events', '{}', 1234 );
		$this->assertSame( '1234', $headers['X-MediaOffload-Timestamp'] );
		$this->assertSame( Signer::sign( 's', 1234, 'POST', '/v1/events', '{}' ), $headers['X-MediaOffload-Signature'] );
	}
}
