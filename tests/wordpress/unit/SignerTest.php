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
	 * The audience a vector's receiver checks: its own field for v2, else by route.
	 *
	 * @param array $v Vector.
	 * @return string
	 */
	private static function audience( array $v ) {
		if ( isset( $v['audience'] ) ) {
			return $v['audience'];
		}
		return 0 === strpos( $v['pathAndQuery'], '/wp-json/' ) ? Signer::AUDIENCE_PLUGIN : Signer::AUDIENCE_SERVICE;
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_canonical_string_matches_vector( array $v ) {
		$this->assertSame( $v['canonical'], Signer::canonical( $v['version'], self::audience( $v ), $v['timestamp'], $v['method'], $v['pathAndQuery'], $v['body'] ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_signature_matches_vector( array $v ) {
		$this->assertSame( $v['signature'], Signer::sign( $v['version'], $v['secret'], self::audience( $v ), $v['timestamp'], $v['method'], $v['pathAndQuery'], $v['body'] ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_vector_verifies_within_skew( array $v ) {
		$this->assertSame( Signer::VALID, Signer::verify( array( $v['secret'] ), self::audience( $v ), true, (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] + 299 ) );
		$this->assertSame( Signer::VALID, Signer::verify( array( $v['secret'] ), self::audience( $v ), true, (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] - 300 ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_v1_vector_is_refused_unless_accepted( array $v ) {
		$expected = 'v1' === $v['version'] ? Signer::VERSION_REFUSED : Signer::VALID;
		$this->assertSame( $expected, Signer::verify( array( $v['secret'] ), self::audience( $v ), false, (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_stale_and_future_timestamps_are_expired( array $v ) {
		$this->assertSame( Signer::EXPIRED, Signer::verify( array( $v['secret'] ), self::audience( $v ), true, (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] + 301 ) );
		$this->assertSame( Signer::EXPIRED, Signer::verify( array( $v['secret'] ), self::audience( $v ), true, (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $v['timestamp'] - 301 ) );
	}

	/**
	 * @dataProvider vectors
	 */
	public function test_any_change_is_a_mismatch( array $v ) {
		$now = $v['timestamp'];
		$aud = self::audience( $v );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( 'another-secret' ), $aud, true, (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $now ) );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( $v['secret'] ), $aud, true, (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'] . 'x', $v['body'], $now ) );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( $v['secret'] ), $aud, true, (string) $v['timestamp'], $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'] . ' ', $now ) );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( $v['secret'] ), $aud, true, (string) ( $v['timestamp'] + 1 ), $v['signature'], $v['method'], $v['pathAndQuery'], $v['body'], $now ) );
	}

	public function test_v2_for_the_other_audience_is_a_mismatch() {
		$to_service = Signer::sign( 'v2', 's', Signer::AUDIENCE_SERVICE, 1000, 'GET', '/m', '' );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( 's' ), Signer::AUDIENCE_PLUGIN, true, '1000', $to_service, 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::VALID, Signer::verify( array( 's' ), Signer::AUDIENCE_SERVICE, false, '1000', $to_service, 'GET', '/m', '', 1000 ) );
	}

	public function test_rotated_secrets_are_all_accepted() {
		$sig = Signer::sign( 'v2', 'old-secret-old-secret-old-secret-x', Signer::AUDIENCE_PLUGIN, 1000, 'GET', '/m', '' );
		$this->assertSame( Signer::VALID, Signer::verify( array( 'new-secret-new-secret-new-secret-x', 'old-secret-old-secret-old-secret-x' ), Signer::AUDIENCE_PLUGIN, false, '1000', $sig, 'GET', '/m', '', 1000 ) );
	}

	public function test_upper_case_hex_is_accepted() {
		$sig = Signer::sign( 'v2', 's', Signer::AUDIENCE_PLUGIN, 1000, 'GET', '/m', '' );
		$this->assertSame( Signer::VALID, Signer::verify( array( 's' ), Signer::AUDIENCE_PLUGIN, false, '1000', 'v2=' . strtoupper( substr( $sig, 3 ) ), 'GET', '/m', '', 1000 ) );
	}

	public function test_missing_and_malformed_headers() {
		$sig = Signer::sign( 'v2', 's', Signer::AUDIENCE_PLUGIN, 1000, 'GET', '/m', '' );
		$aud = Signer::AUDIENCE_PLUGIN;
		$this->assertSame( Signer::MISSING, Signer::verify( array( 's' ), $aud, false, null, $sig, 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MISSING, Signer::verify( array( 's' ), $aud, false, '1000', '', 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MALFORMED, Signer::verify( array( 's' ), $aud, false, '1000.5', $sig, 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MALFORMED, Signer::verify( array( 's' ), $aud, false, '1000', substr( $sig, 3 ), 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MALFORMED, Signer::verify( array( 's' ), $aud, false, '1000', 'v3=' . substr( $sig, 3 ), 'GET', '/m', '', 1000 ) );
		$this->assertSame( Signer::MALFORMED, Signer::verify( array( 's' ), $aud, false, '1000', 'v2=zz', 'GET', '/m', '', 1000 ) );
	}

	public function test_empty_secrets_never_verify() {
		$sig = Signer::sign( 'v2', '', Signer::AUDIENCE_PLUGIN, 1000, 'GET', '/m', '' );
		$this->assertSame( Signer::MISMATCH, Signer::verify( array( '' ), Signer::AUDIENCE_PLUGIN, false, '1000', $sig, 'GET', '/m', '', 1000 ) );
	}

	public function test_headers_carry_timestamp_and_a_v2_signature() {
		$headers = Signer::headers( 's', Signer::AUDIENCE_SERVICE, 'post', '/v1/events', '{}', 1234 );
		$this->assertSame( '1234', $headers['X-MediaOffload-Timestamp'] );
		$this->assertSame( Signer::sign( 'v2', 's', Signer::AUDIENCE_SERVICE, 1234, 'POST', '/v1/events', '{}' ), $headers['X-MediaOffload-Signature'] );
		$this->assertStringStartsWith( 'v2=', $headers['X-MediaOffload-Signature'] );
	}
}
