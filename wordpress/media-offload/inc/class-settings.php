<?php
/**
 * Settings, from wp-config constants first and the settings page second.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Reads and sanitises the plugin's settings. A wp-config constant always wins over the stored option.
 */
class Settings {

	const OPTION = 'media_offload_settings';

	/**
	 * Field => [constant, default].
	 */
	const FIELDS = array(
		'endpoint'     => array( 'MEDIA_OFFLOAD_ENDPOINT', '' ),
		'secret'       => array( 'MEDIA_OFFLOAD_SECRET', '' ),
		'cdn_domain'   => array( 'MEDIA_OFFLOAD_CDN_DOMAIN', '' ),
		'key_prefix'   => array( 'MEDIA_OFFLOAD_KEY_PREFIX', 'wp-content/uploads' ),
		'rewrite_urls' => array( 'MEDIA_OFFLOAD_REWRITE_URLS', false ),
		// Delete the local copy of each file verified in the bucket, and fetch it back on demand (docs/remote-only.md).
		'remove_local' => array( 'MEDIA_OFFLOAD_REMOVE_LOCAL', false ),
	);

	/** Shortest secret the service accepts. */
	const MIN_SECRET_LENGTH = 32;

	/**
	 * The wp-config constant of per-site secrets on a network: blog id => secret, or blog id => array( current,
	 * previous… ) while a site's secret is rotated. It wins over MEDIA_OFFLOAD_SECRET for the sites it names, so
	 * each site can sign with its own secret although wp-config.php is shared (docs/plugin.md, "Multisite").
	 */
	const SITE_SECRETS = 'MEDIA_OFFLOAD_SITE_SECRETS';

	/**
	 * Whether a wp-config constant sets this field.
	 *
	 * @param string $field Field name.
	 * @return bool
	 */
	public static function is_locked( $field ) {
		if ( 'secret' === $field && null !== self::site_secrets() ) {
			return true;
		}
		return isset( self::FIELDS[ $field ] ) && defined( self::FIELDS[ $field ][0] );
	}

	/**
	 * The current site's secrets from MEDIA_OFFLOAD_SITE_SECRETS (current first), or null when it names none for
	 * this site.
	 *
	 * @return string[]|null
	 */
	public static function site_secrets() {
		if ( ! defined( self::SITE_SECRETS ) ) {
			return null;
		}
		return self::site_secret_list( constant( self::SITE_SECRETS ), get_current_blog_id() );
	}

	/**
	 * One site's secrets from a MEDIA_OFFLOAD_SITE_SECRETS value. Pure.
	 *
	 * @param mixed $map     blog id => secret or list of secrets (current first).
	 * @param int   $blog_id Blog id.
	 * @return string[]|null Null when the map is not an array or names no non-empty secret for the site.
	 */
	public static function site_secret_list( $map, $blog_id ) {
		$blog_id = (int) $blog_id;
		if ( ! is_array( $map ) || $blog_id < 1 || ! array_key_exists( $blog_id, $map ) ) {
			return null;
		}
		$secrets = array();
		foreach ( (array) $map[ $blog_id ] as $secret ) {
			if ( is_scalar( $secret ) && '' !== trim( (string) $secret ) ) {
				$secrets[] = trim( (string) $secret );
			}
		}
		return $secrets ? $secrets : null;
	}

	/**
	 * Where the current site's secret comes from: 'site-constant' (MEDIA_OFFLOAD_SITE_SECRETS), 'constant'
	 * (MEDIA_OFFLOAD_SECRET, the same for every site of a network), 'option' (this site's settings) or 'none'.
	 *
	 * @return string
	 */
	public static function secret_source() {
		if ( null !== self::site_secrets() ) {
			return 'site-constant';
		}
		if ( defined( self::FIELDS['secret'][0] ) ) {
			return 'constant';
		}
		return '' === self::get( 'secret' ) ? 'none' : 'option';
	}

	/**
	 * One setting's effective value.
	 *
	 * @param string $field Field name.
	 * @return mixed
	 */
	public static function get( $field ) {
		if ( ! isset( self::FIELDS[ $field ] ) ) {
			return null;
		}
		list( $constant, $default ) = self::FIELDS[ $field ];
		$site_secrets               = 'secret' === $field ? self::site_secrets() : null;
		if ( null !== $site_secrets ) {
			$value = $site_secrets[0];
		} elseif ( defined( $constant ) ) {
			$value = constant( $constant );
		} else {
			$stored = get_option( self::OPTION, array() );
			$value  = is_array( $stored ) && array_key_exists( $field, $stored ) ? $stored[ $field ] : $default;
		}
		$value = is_bool( $default ) ? (bool) $value : trim( (string) $value );
		if ( 'key_prefix' === $field ) {
			$value = trim( $value, '/' );
		}
		if ( 'endpoint' === $field ) {
			$value = rtrim( $value, '/' );
		}
		/**
		 * Filters one effective setting.
		 *
		 * @param mixed  $value Value.
		 * @param string $field Field name.
		 */
		return apply_filters( 'media_offload_setting', $value, $field );
	}

	/**
	 * Secrets accepted on the manifest route: the current one, then MEDIA_OFFLOAD_PREVIOUS_SECRET during a rotation.
	 * A site that MEDIA_OFFLOAD_SITE_SECRETS names accepts its own list only: the network-wide previous secret would
	 * let every site's manifest open with one secret again.
	 *
	 * @return string[]
	 */
	public static function accepted_secrets() {
		$site_secrets = self::site_secrets();
		if ( null !== $site_secrets ) {
			$secrets = array( self::get( 'secret' ) );
			foreach ( array_slice( $site_secrets, 1 ) as $previous ) {
				$secrets[] = $previous;
			}
		} else {
			$secrets = array( self::get( 'secret' ) );
			if ( defined( 'MEDIA_OFFLOAD_PREVIOUS_SECRET' ) ) {
				$secrets[] = (string) MEDIA_OFFLOAD_PREVIOUS_SECRET;
			}
		}
		/**
		 * Filters the secrets accepted on signed routes.
		 *
		 * @param string[] $secrets Secrets.
		 */
		return array_values( array_filter( (array) apply_filters( 'media_offload_accepted_secrets', $secrets ), 'strlen' ) );
	}

	/**
	 * Whether v1 signatures (which do not sign their audience) are still accepted on the manifest route: only when
	 * MEDIA_OFFLOAD_ACCEPT_SIGNATURE_V1 is true in wp-config.php, while a service older than v2 is upgraded.
	 *
	 * @return bool
	 */
	public static function accepts_signature_v1() {
		return defined( 'MEDIA_OFFLOAD_ACCEPT_SIGNATURE_V1' ) && MEDIA_OFFLOAD_ACCEPT_SIGNATURE_V1;
	}

	/**
	 * Whether events can be sent: an endpoint and a secret.
	 *
	 * @return bool
	 */
	public static function can_send() {
		return '' !== self::get( 'endpoint' ) && '' !== self::get( 'secret' );
	}

	/**
	 * Problems with the effective settings, for the status panel and `wp media-offload verify`.
	 *
	 * @return string[]
	 */
	public static function problems() {
		$problems = array();
		if ( ! Requirements::met() ) {
			$problems[] = Requirements::message();
		}
		$endpoint = self::get( 'endpoint' );
		if ( '' === $endpoint ) {
			$problems[] = __( 'The API endpoint is not set.', 'media-offload' );
		} elseif ( ! preg_match( '#^https?://[^/\s]+#i', $endpoint ) ) {
			$problems[] = __( 'The API endpoint is not an http(s) URL.', 'media-offload' );
		} elseif ( ! Client::is_local_environment() && 0 === stripos( $endpoint, 'http://' ) ) {
			$problems[] = __( 'The API endpoint uses plain http; use https outside local development.', 'media-offload' );
		}
		if ( '' !== $endpoint && ! Client::endpoint_allowed( $endpoint ) ) {
			$problems[] = self::endpoint_refused_message();
		}
		if ( defined( self::SITE_SECRETS ) && ! is_array( constant( self::SITE_SECRETS ) ) ) {
			/* translators: %s: constant name */
			$problems[] = sprintf( __( '%s must be an array of blog id => secret; it is ignored.', 'media-offload' ), self::SITE_SECRETS );
		}
		$secret = self::get( 'secret' );
		if ( '' === $secret ) {
			$problems[] = __( 'The signing secret is not set.', 'media-offload' );
		} elseif ( strlen( $secret ) < self::MIN_SECRET_LENGTH ) {
			/* translators: %d: minimum length */
			$problems[] = sprintf( __( 'The signing secret is shorter than %d characters; the service will refuse it.', 'media-offload' ), self::MIN_SECRET_LENGTH );
		}
		if ( self::get( 'rewrite_urls' ) && '' === self::get( 'cdn_domain' ) ) {
			$problems[] = __( 'URL rewriting is on but no CDN domain is set, so URLs are left alone.', 'media-offload' );
		}
		if ( is_multisite() ) {
			$uploads = wp_upload_dir( null, false );
			if ( empty( $uploads['error'] ) && ! Key_Space::current()->matches_uploads( $uploads['basedir'], $uploads['baseurl'] ) ) {
				/* translators: %s: e.g. sites/3 */
				$problems[] = sprintf( __( 'This site keeps its uploads outside the network\'s uploads folder plus %s (an older network layout), so the service cannot key its files; URLs are left alone.', 'media-offload' ), rtrim( Key_Space::current()->prefix(), '/' ) );
			}
		}
		if ( self::get( 'remove_local' ) && ! self::get( 'rewrite_urls' ) ) {
			// Without rewriting, visitors ask WordPress's own host for uploads; only a CDN in front of that host
			// (the stack's full mode) still serves a remote-only file there.
			$problems[] = __( 'Remove local copies is on but URL rewriting is off: a remote-only file is served only where CloudFront sits in front of this site\'s uploads URLs.', 'media-offload' );
		}
		if ( ! Paths::is_valid_key_prefix( self::get( 'key_prefix' ) ) ) {
			$problems[] = self::key_prefix_message() . ' ' . __( 'URLs are left alone until it is fixed.', 'media-offload' );
		}
		if ( '' !== self::get( 'cdn_domain' ) && '' === Url_Rewriter::cdn_base( self::get( 'cdn_domain' ), 'x', '' ) ) {
			$problems[] = __( 'The CDN domain is not a host name such as cdn.example.com, so URLs are left alone.', 'media-offload' );
		}
		return $problems;
	}

	/**
	 * Why an endpoint is refused.
	 *
	 * @return string
	 */
	private static function endpoint_refused_message() {
		return __( 'WordPress refuses to call this API endpoint (wp_safe_remote_request): a loopback or private address, or a port other than 80, 443 and 8080, is allowed only when WP_ENVIRONMENT_TYPE is local or development.', 'media-offload' );
	}

	/**
	 * The key prefix rule, as plain text.
	 *
	 * @return string
	 */
	private static function key_prefix_message() {
		return __( 'The key prefix must be segments of letters, digits, ".", "_" and "-" joined by "/", with no "." or ".." segment, as the service\'s KeyPrefix.', 'media-offload' );
	}

	/**
	 * Sanitises the settings form. A blank secret keeps the stored one, so the page never has to print it.
	 *
	 * @param mixed $input Raw input.
	 * @return array
	 */
	public static function sanitize( $input ) {
		$input  = is_array( $input ) ? $input : array();
		$stored = get_option( self::OPTION, array() );
		$stored = is_array( $stored ) ? $stored : array();
		$clean  = array();

		$endpoint = isset( $input['endpoint'] ) ? trim( (string) $input['endpoint'] ) : '';
		// The same rule the request itself will meet (Client): loopback and private hosts only in local development.
		if ( '' !== $endpoint && ( ! preg_match( '#^https?://#i', $endpoint ) || ! Client::endpoint_allowed( $endpoint ) ) ) {
			add_settings_error( self::OPTION, 'endpoint', __( 'The API endpoint must be an http(s) URL.', 'media-offload' ) . ' ' . self::endpoint_refused_message() );
			$endpoint = isset( $stored['endpoint'] ) ? $stored['endpoint'] : '';
		}
		$clean['endpoint'] = untrailingslashit( esc_url_raw( $endpoint, array( 'http', 'https' ) ) );

		$secret = isset( $input['secret'] ) ? trim( (string) $input['secret'] ) : '';
		if ( '' === $secret ) {
			$secret = isset( $stored['secret'] ) ? $stored['secret'] : '';
		} elseif ( strlen( $secret ) < self::MIN_SECRET_LENGTH ) {
			/* translators: %d: minimum length */
			add_settings_error( self::OPTION, 'secret', sprintf( __( 'The signing secret must be at least %d characters; the previous one was kept.', 'media-offload' ), self::MIN_SECRET_LENGTH ) );
			$secret = isset( $stored['secret'] ) ? $stored['secret'] : '';
		}
		$clean['secret'] = $secret;

		$cdn = isset( $input['cdn_domain'] ) ? trim( (string) $input['cdn_domain'] ) : '';
		$cdn = preg_replace( '#/+$#', '', $cdn );
		if ( '' !== $cdn && ! preg_match( '#^(https?://)?[a-z0-9.-]+(:[0-9]+)?$#i', $cdn ) ) {
			add_settings_error( self::OPTION, 'cdn_domain', __( 'The CDN domain must be a host name such as cdn.example.com.', 'media-offload' ) );
			$cdn = isset( $stored['cdn_domain'] ) ? $stored['cdn_domain'] : '';
		}
		$clean['cdn_domain'] = strtolower( $cdn );

		// Refused, never cleaned: a prefix reaches every CDN URL the plugin prints (docs/keys.md, "Media keys").
		$prefix = isset( $input['key_prefix'] ) ? trim( (string) $input['key_prefix'], " /\t\n\r" ) : '';
		if ( '' !== $prefix && ! Paths::is_valid_key_prefix( $prefix ) ) {
			add_settings_error( self::OPTION, 'key_prefix', self::key_prefix_message() . ' ' . __( 'The previous key prefix was kept.', 'media-offload' ) );
			$prefix = isset( $stored['key_prefix'] ) && Paths::is_valid_key_prefix( $stored['key_prefix'] ) ? $stored['key_prefix'] : '';
		}
		$clean['key_prefix'] = '' === $prefix ? self::FIELDS['key_prefix'][1] : $prefix;

		$clean['rewrite_urls'] = ! empty( $input['rewrite_urls'] );
		$clean['remove_local'] = ! empty( $input['remove_local'] );

		return $clean;
	}
}
