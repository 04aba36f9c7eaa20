<?php
/**
 * Request signing shared with the service (docs/signing.md).
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Signs and verifies requests (docs/signing.md). Version 2, which both sides send:
 * v2=hex(HMAC-SHA256(secret, "v2\n{audience}\n{timestamp}\n{METHOD}\n{path}[?query]\n{hex sha256 of body}")),
 * where the audience is "service" on requests to the service and "plugin" on requests to this plugin's routes.
 * Version 1 (no first two lines) is accepted only when the caller allows it, during a rotation.
 *
 * Pure PHP with no WordPress dependency, so it is unit-tested against tests/vectors/signing.json.
 */
class Signer {

	const TIMESTAMP_HEADER = 'X-MediaOffload-Timestamp';
	const SIGNATURE_HEADER = 'X-MediaOffload-Signature';

	/** How far a timestamp may stray from this server's clock, in seconds. */
	const ALLOWED_SKEW = 300;

	const AUDIENCE_SERVICE = 'service';
	const AUDIENCE_PLUGIN  = 'plugin';

	const VALID           = 'valid';
	const MISSING         = 'missing';
	const MALFORMED       = 'malformed';
	const EXPIRED         = 'expired';
	const MISMATCH        = 'mismatch';
	const VERSION_REFUSED = 'version_refused';

	/**
	 * The string that gets signed.
	 *
	 * @param string $version        'v2' or 'v1'.
	 * @param string $audience       Who receives the request (ignored for v1).
	 * @param int    $timestamp      Unix seconds.
	 * @param string $method         HTTP method; upper-cased here.
	 * @param string $path_and_query Request target exactly as sent, e.g. /v1/events.
	 * @param string $body           Raw body bytes ('' for none).
	 * @return string
	 */
	public static function canonical( $version, $audience, $timestamp, $method, $path_and_query, $body ) {
		$rest = (int) $timestamp . "\n" . strtoupper( $method ) . "\n" . $path_and_query . "\n" . hash( 'sha256', (string) $body );
		return 'v2' === $version ? "v2\n" . $audience . "\n" . $rest : $rest;
	}

	/**
	 * The value of the signature header.
	 *
	 * @param string $version        'v2' or 'v1'.
	 * @param string $secret         Signing secret.
	 * @param string $audience       Who receives the request.
	 * @param int    $timestamp      Unix seconds.
	 * @param string $method         HTTP method.
	 * @param string $path_and_query Request target.
	 * @param string $body           Raw body.
	 * @return string v2=<hex> or v1=<hex>
	 */
	public static function sign( $version, $secret, $audience, $timestamp, $method, $path_and_query, $body ) {
		$version = 'v1' === $version ? 'v1' : 'v2';
		return $version . '=' . hash_hmac( 'sha256', self::canonical( $version, $audience, $timestamp, $method, $path_and_query, $body ), (string) $secret );
	}

	/**
	 * Both signature headers for an outgoing request: always version 2.
	 *
	 * @param string   $secret         Signing secret.
	 * @param string   $audience       Who receives the request.
	 * @param string   $method         HTTP method.
	 * @param string   $path_and_query Request target.
	 * @param string   $body           Raw body.
	 * @param int|null $now            Unix seconds; defaults to time().
	 * @return array<string,string>
	 */
	public static function headers( $secret, $audience, $method, $path_and_query, $body, $now = null ) {
		$timestamp = null === $now ? time() : (int) $now;
		return array(
			self::TIMESTAMP_HEADER => (string) $timestamp,
			self::SIGNATURE_HEADER => self::sign( 'v2', $secret, $audience, $timestamp, $method, $path_and_query, $body ),
		);
	}

	/**
	 * Checks a request against every accepted secret, in constant time per secret.
	 *
	 * @param string[]    $secrets          Accepted secrets (current first, then any being rotated out).
	 * @param string      $audience         Who this receiver is (AUDIENCE_PLUGIN here).
	 * @param bool        $accept_v1        Whether v1 signatures are still accepted.
	 * @param string|null $timestamp_header Presented timestamp.
	 * @param string|null $signature_header Presented signature.
	 * @param string      $method           HTTP method.
	 * @param string      $path_and_query   Request target as received.
	 * @param string      $body             Raw body.
	 * @param int|null    $now              Unix seconds; defaults to time().
	 * @return string One of the VALID, MISSING, MALFORMED, EXPIRED, MISMATCH, VERSION_REFUSED constants.
	 */
	public static function verify( array $secrets, $audience, $accept_v1, $timestamp_header, $signature_header, $method, $path_and_query, $body, $now = null ) {
		$now = null === $now ? time() : (int) $now;
		if ( null === $timestamp_header || '' === $timestamp_header || null === $signature_header || '' === $signature_header ) {
			return self::MISSING;
		}
		if ( ! preg_match( '/^[0-9]{1,12}$/', (string) $timestamp_header ) || ! preg_match( '/^(v[12])=[0-9a-fA-F]{64}$/', (string) $signature_header, $m ) ) {
			return self::MALFORMED;
		}
		$version = $m[1];
		if ( 'v1' === $version && ! $accept_v1 ) {
			return self::VERSION_REFUSED;
		}
		$timestamp = (int) $timestamp_header;
		if ( abs( $now - $timestamp ) > self::ALLOWED_SKEW ) {
			return self::EXPIRED;
		}
		$presented = $version . '=' . strtolower( substr( $signature_header, 3 ) );
		$matched   = false;
		foreach ( $secrets as $secret ) {
			if ( '' === (string) $secret ) {
				continue;
			}
			// No early exit: every secret costs the same whichever one matches.
			$matched = hash_equals( self::sign( $version, $secret, $audience, $timestamp, $method, $path_and_query, $body ), $presented ) || $matched;
		}
		return $matched ? self::VALID : self::MISMATCH;
	}
}
