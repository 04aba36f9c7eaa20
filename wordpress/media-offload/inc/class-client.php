<?php
/**
 * Signed HTTP calls to the service.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Sends signed requests to {endpoint}{route}. The signed target is the endpoint's own path plus the route, exactly
 * as sent (an API Gateway stage such as /prod is part of it).
 */
class Client {

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

		$response = wp_remote_request(
			$endpoint . $route,
			array(
				'method'      => strtoupper( $method ),
				'headers'     => $headers,
				'body'        => null === $body ? null : $payload,
				'timeout'     => $timeout,
				'redirection' => 0,
			)
		);
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
