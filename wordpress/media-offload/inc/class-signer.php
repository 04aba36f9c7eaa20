<?php
/**
 * Request signing shared with the service (DESIGN §5).
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Signs and verifies requests:
 * v1=hex(HMAC-SHA256(secret, "{timestamp}\n{METHOD}\n{path}[?query]\n{hex sha256 of body}")).
 *
 * Pure PHP with no WordPress dependency, so it is unit-tested against tests/vectors/signing.json.
 */
class Signer {

	const TIMESTAMP_HEADER = 'X-MediaOffload-Timestamp';
	const SIGNATURE_HEADER = 'X-MediaOffload-Signature';

	/** How far a timestamp may stray from this server's clock, in seconds. */
	const ALLOWED_SKEW = 300;

	const VALID     = 'valid';
	const MISSING   = 'missing';
	const MALFORMED = 'malformed';
	const EXPIRED   = 'expired';
	const MISMATCH  = 'mismatch';

	/**
	 * The string that gets signed.
	 *
	 * @param int    $timestamp      Unix seconds.
	 * @param string $method         HTTP method; upper-cased here.
	 * @param string $path_and_query Request target exactly as sent, e.g. /v1/events.
	 * @param string $body           Raw body bytes ('' for none).
	 * @return string
	 */
	public static function canonical( $timestamp, $method, $path_and_query, $body ) {
		return (int) $timestamp . "\n" . strtoupper( $method ) . "\n" . $path_and_query . "\n" . hash( 'sha256', (string) $body );
	}

	/**
	 * The value of the signature header.
	 *
	 * @param string $secret         Signing secret.
	 * @param int    $timestamp      Unix seconds.
	 * @param string $method         HTTP method.
	 * @param string $path_and_query Request target.
	 * @param string $body           Raw body.
	 * @return string v1=<hex>
	 */
	public static function sign( $secret, $timestamp, $method, $path_and_query, $body ) {
		return 'v1=' . hash_hmac( 'sha256', self::canonical( $timestamp, $method, $path_and_query, $body ), (string) $secret );
	}

	/**
	 * Both signature headers for an outgoing request.
	 *
	 * @param string   $secret         Signing secret.
	 * @param string   $method         HTTP method.
	 * @param string   $path_and_query Request target.
	 * @param string   $body           Raw body.
	 * @param int|null $now            Unix seconds; defaults to time().
	 * @return array<string,string>
	 */
	public static function headers( $secret, $method, $path_and_query, $body, $now = null ) {
		$timestamp = null === $now ? time() : (int) $now;
		return array(
			self::TIMESTAMP_HEADER => (string) $timestamp,
			self::SIGNATURE_HEADER => self::sign( $secret, $timestamp, $method, $path_and_query, $body ),
		);
	}

	/**
	 * Checks a request against every accepted secret, in constant time per secret.
	 *
	 * @param string[]    $secrets          Accepted secrets (current first, then any being rotated out).
	 * @param string|null $timestamp_header Presented timestamp.
	 * @param string|null $signature_header Presented signature.
	 * @param string      $method           HTTP method.
	 * @param string      $path_and_query   Request target as received.
	 * @param string      $body             Raw body.
	 * @param int|null    $now              Unix seconds; defaults to time().
	 * @return string One of the VALID, MISSING, MALFORMED, EXPIRED, MISMATCH constants.
	 */
	public static function verify( array $secrets, $timestamp_header, $signature_header, $method, $path_and_query, $body, $now = null ) {
		$now = null === $now ? time() : (int) $now;
		if ( null === $timestamp_header || '' === $timestamp_header || null === $signature_header || '' === $signature_header ) {
			return self::MISSING;
		}
		if ( ! preg_match( '/^[0-9]{1,12}$/', (string) $timestamp_header ) || ! preg_match( '/^v1=[0-9a-fA-F]{64}$/', (string) $signature_header ) ) {
			return self::MALFORMED;
		}
		$timestamp = (int) $timestamp_header;
		if ( abs( $now - $timestamp ) > self::ALLOWED_SKEW ) {
			return self::EXPIRED;
		}
		$presented = 'v1=' . strtolower( substr( $signature_header, 3 ) );
		$matched   = false;
		foreach ( $secrets as $secret ) {
			if ( '' === (string) $secret ) {
				continue;
			}
			// No early exit: every secret costs the same whichever one matches.
			$matched = hash_equals( self::sign( $secret, $timestamp, $method, $path_and_query, $body ), $presented ) || $matched;
		}
		return $matched ? self::VALID : self::MISMATCH;
	}
}
