<?php
/**
 * Signed HTTP calls to the service.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Sends signed requests to {endpoint}{route}. The signed target is the endpoint's own path plus the route, exactly
 * as sent (an API Gateway stage such as /prod is part of it; docs/signing.md).
 *
 * Requests go through wp_safe_remote_request(), so WordPress's rules for untrusted URLs apply to the endpoint: no
 * loopback or private address, only ports 80, 443 and 8080, no redirects. On a multisite network a subsite admin
 * sets the endpoint, and those rules keep it from aiming signed requests at the network's internal services. Only in
 * a local or development environment (wp_get_environment_type()) is the configured endpoint's own host and port let
 * through, for the service running next to WordPress (docs/plugin.md, "Settings").
 */
class Client {

	/** Environment types in which the configured endpoint may be a loopback or private address on any port. */
	const LOCAL_ENVIRONMENTS = array( 'local', 'development' );

	/**
	 * Whether this is a local or development site.
	 *
	 * @return bool
	 */
	public static function is_local_environment() {
		return self::exempts_environment( wp_get_environment_type() );
	}

	/**
	 * Whether an environment type exempts the endpoint from the loopback and port rules. Pure.
	 *
	 * @param string $environment wp_get_environment_type().
	 * @return bool
	 */
	public static function exempts_environment( $environment ) {
		return in_array( (string) $environment, self::LOCAL_ENVIRONMENTS, true );
	}

	/**
	 * Whether a host (and port) WordPress asks about is the configured endpoint's, the only one ever exempted. Pure.
	 *
	 * @param string   $endpoint Endpoint URL.
	 * @param string   $host     Host WordPress checks.
	 * @param int|null $port     Port WordPress checks, or null to compare hosts only.
	 * @return bool
	 */
	public static function is_endpoint_host( $endpoint, $host, $port = null ) {
		$parts = parse_url( (string) $endpoint ); // phpcs:ignore WordPress.WP.AlternativeFunctions.parse_url_parse_url -- pure helper.
		if ( empty( $parts['host'] ) || '' === (string) $host ) {
			return false;
		}
		if ( strtolower( trim( $parts['host'], '.' ) ) !== strtolower( trim( (string) $host, '.' ) ) ) {
			return false;
		}
		return null === $port || ( isset( $parts['port'] ) && (int) $parts['port'] === (int) $port );
	}

	/**
	 * Lets the configured endpoint through WordPress's safe-URL rules, in a local or development environment only.
	 *
	 * @param string $endpoint Endpoint URL.
	 * @return callable Removes the filters again.
	 */
	public static function allow_endpoint( $endpoint ) {
		if ( ! self::is_local_environment() ) {
			return function () {};
		}
		$external = function ( $is_external, $host ) use ( $endpoint ) {
			return $is_external || self::is_endpoint_host( $endpoint, $host );
		};
		$ports    = function ( $allowed, $host ) use ( $endpoint ) {
			$port = wp_parse_url( $endpoint, PHP_URL_PORT );
			if ( is_array( $allowed ) && $port && self::is_endpoint_host( $endpoint, $host, (int) $port ) ) {
				$allowed[] = (int) $port;
			}
			return $allowed;
		};
		add_filter( 'http_request_host_is_external', $external, 10, 2 );
		add_filter( 'http_allowed_safe_ports', $ports, 10, 2 );
		return function () use ( $external, $ports ) {
			remove_filter( 'http_request_host_is_external', $external, 10 );
			remove_filter( 'http_allowed_safe_ports', $ports, 10 );
		};
	}

	/**
	 * Whether wp_safe_remote_request() would call this endpoint.
	 *
	 * @param string $endpoint Endpoint URL.
	 * @return bool
	 */
	public static function endpoint_allowed( $endpoint ) {
		$restore = self::allow_endpoint( $endpoint );
		$ok      = false !== wp_http_validate_url( (string) $endpoint );
		$restore();
		return $ok;
	}

	/**
	 * Sends a signed request.
	 *
	 * @param string     $method HTTP method.
	 * @param string     $route  Route below the endpoint, e.g. /v1/events.
	 * @param array|null $body   JSON body, or null for none.
	 * @param int        $timeout Seconds.
	 * @return array{status:int, body:mixed, error:string|null, raw:string}
	 */
	public static function request( $method, $route, $body = null, $timeout = 10 ) {
		$result = self::send( $method, $route, $body, $timeout );
		// A signature is accepted once, and two identical requests signed in the same second carry the same one
		// (docs/status.md): two polls of a job, a report asked for by the panel and the CLI at once. The second is
		// refused as already used; sent again in the next second, it gets a fresh signature.
		if ( 401 === $result['status'] && is_array( $result['body'] ) && 'Signature already used' === ( $result['body']['title'] ?? '' ) ) {
			usleep( (int) ( ( 1.05 - fmod( microtime( true ), 1.0 ) ) * 1000000 ) );
			$result = self::send( $method, $route, $body, $timeout );
		}
		return $result;
	}

	/**
	 * Sends a signed request once.
	 *
	 * @param string     $method  HTTP method.
	 * @param string     $route   Route below the endpoint.
	 * @param array|null $body    JSON body, or null for none.
	 * @param int        $timeout Seconds.
	 * @return array{status:int, body:mixed, error:string|null, raw:string}
	 */
	private static function send( $method, $route, $body, $timeout ) {
		$endpoint = Settings::get( 'endpoint' );
		$secret   = Settings::get( 'secret' );
		if ( '' === $endpoint || '' === $secret ) {
			return self::result( 0, '', __( 'The API endpoint or the signing secret is not set.', 'media-offload' ) );
		}
		$base_path = (string) wp_parse_url( $endpoint, PHP_URL_PATH );
		$target    = rtrim( $base_path, '/' ) . $route;
		$payload   = null === $body ? '' : wp_json_encode( $body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
		$headers   = Signer::headers( $secret, Signer::AUDIENCE_SERVICE, $method, $target, $payload );
		if ( null !== $body ) {
			$headers['Content-Type'] = 'application/json';
		}
		$headers['User-Agent'] = 'MediaOffload-WordPress/' . VERSION;

		$restore  = self::allow_endpoint( $endpoint );
		$response = wp_safe_remote_request(
			$endpoint . $route,
			array(
				'method'      => strtoupper( $method ),
				'headers'     => $headers,
				'body'        => null === $body ? null : $payload,
				'timeout'     => $timeout,
				'redirection' => 0,
			)
		);
		$restore();
		if ( is_wp_error( $response ) ) {
			return self::result( 0, '', $response->get_error_message() );
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$raw    = (string) wp_remote_retrieve_body( $response );
		$error  = null;
		if ( $status < 200 || $status >= 300 ) {
			$problem = json_decode( $raw, true );
			$detail  = is_array( $problem ) ? trim( ( $problem['title'] ?? '' ) . ' ' . ( $problem['detail'] ?? '' ) . ( isset( $problem['errors'] ) ? ' ' . wp_json_encode( $problem['errors'] ) : '' ) ) : '';
			$error   = sprintf( 'HTTP %d%s', $status, '' === $detail ? '' : ': ' . $detail );
		}
		return self::result( $status, $raw, $error );
	}

	/**
	 * Shapes a result.
	 *
	 * @param int         $status HTTP status (0 when the request failed).
	 * @param string      $raw    Raw body.
	 * @param string|null $error  Error text.
	 * @return array
	 */
	private static function result( $status, $raw, $error ) {
		return array(
			'status' => $status,
			'body'   => json_decode( $raw, true ),
			'error'  => $error,
			'raw'    => $raw,
		);
	}
}
