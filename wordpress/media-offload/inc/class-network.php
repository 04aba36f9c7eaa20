<?php
/**
 * What the plugin does differently on a WordPress network.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * On a network (docs/plugin.md, "Multisite"):
 * - each event names its site by the site's home URL, which is what the service's `Offload:Sites:N:Url` lists
 *   (docs/status.md, "Sites and their secrets"): on a subdirectory network every site has the same origin;
 * - network activation sets up every site's tables, and a site created later gets them at once;
 * - a deleted site's tables go with it.
 *
 * Paths are the key space's business (Key_Space), and settings and secrets are per site already (Settings).
 */
class Network {

	/** At most this many sites are set up during a network activation; the rest on their first request (Plugin). */
	const ACTIVATION_SITES = 100;

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		// First, so any other filter of the event sees the site it goes out for.
		add_filter( 'media_offload_event', array( __CLASS__, 'name_site' ), 0 );
		// After WordPress's own wp_initialize_site (10) has made the site's tables and options.
		add_action( 'wp_initialize_site', array( __CLASS__, 'on_initialize_site' ), 100 );
		add_filter( 'wpmu_drop_tables', array( __CLASS__, 'drop_tables' ), 10, 2 );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_filter( 'media_offload_event', array( __CLASS__, 'name_site' ), 0 );
		remove_action( 'wp_initialize_site', array( __CLASS__, 'on_initialize_site' ), 100 );
		remove_filter( 'wpmu_drop_tables', array( __CLASS__, 'drop_tables' ), 10 );
	}

	/**
	 * The site an event is for, as the service's Offload:Sites:N:Url names it: the home URL without a trailing slash,
	 * e.g. https://net.example.com/site2. Pure.
	 *
	 * @param string $home_url home_url().
	 * @return string
	 */
	public static function site_url( $home_url ) {
		$home_url = (string) preg_replace( '/[?#].*$/s', '', (string) $home_url );
		$origin   = Paths::origin( $home_url );
		if ( '' === $origin ) {
			return '';
		}
		$path = (string) parse_url( $home_url, PHP_URL_PATH ); // phpcs:ignore WordPress.WP.AlternativeFunctions.parse_url_parse_url -- pure helper, no WordPress here.
		return $origin . rtrim( $path, '/' );
	}

	/**
	 * Filter for media_offload_event: names the current site by its home URL instead of its origin.
	 *
	 * @param array|null $event Event body.
	 * @return array|null
	 */
	public static function name_site( $event ) {
		if ( is_array( $event ) ) {
			$site = self::site_url( home_url() );
			if ( '' !== $site ) {
				$event['site'] = $site;
			}
		}
		return $event;
	}

	/**
	 * Activation hook: on a network activation, sets up the first ACTIVATION_SITES sites now; every other site does
	 * it on its first request, as a site does after a single activation. Requirements::on_activate() runs first and
	 * stops an activation without intl.
	 *
	 * @param bool $network_wide Whether the plugin is activated for the whole network.
	 */
	public static function on_activate( $network_wide = false ) {
		if ( ! $network_wide || ! is_multisite() || ! Requirements::met() ) {
			return;
		}
		$sites = get_sites(
			array(
				'fields'     => 'ids',
				'number'     => self::ACTIVATION_SITES,
				'network_id' => get_current_network_id(),
				'deleted'    => 0,
			)
		);
		foreach ( $sites as $blog_id ) {
			switch_to_blog( (int) $blog_id );
			Plugin::install_site();
			restore_current_blog();
		}
	}

	/**
	 * A site was created: when the plugin is active for the whole network, set the site up now, so its first upload
	 * already finds its tables.
	 *
	 * @param \WP_Site $site The new site.
	 */
	public static function on_initialize_site( $site ) {
		if ( ! ( $site instanceof \WP_Site ) || ! Requirements::met() || ! self::is_network_active() ) {
			return;
		}
		switch_to_blog( (int) $site->blog_id );
		Plugin::install_site();
		restore_current_blog();
	}

	/**
	 * Filter for wpmu_drop_tables: a deleted site's index and outbox are dropped with its other tables.
	 *
	 * @param string[] $tables  Tables WordPress drops.
	 * @param int      $blog_id The site.
	 * @return string[]
	 */
	public static function drop_tables( $tables, $blog_id = 0 ) {
		global $wpdb;
		$tables = (array) $tables;
		if ( (int) $blog_id < 2 ) {
			return $tables; // The main site's tables are the network's base prefix: never dropped with a site.
		}
		$prefix   = $wpdb->get_blog_prefix( (int) $blog_id );
		$tables[] = $prefix . 'media_offload_files';
		$tables[] = $prefix . 'media_offload_queue';
		return array_values( array_unique( $tables ) );
	}

	/**
	 * Whether the plugin is active for the whole network.
	 *
	 * @return bool
	 */
	public static function is_network_active() {
		$active = get_site_option( 'active_sitewide_plugins', array() );
		return is_array( $active ) && isset( $active[ plugin_basename( PLUGIN_FILE ) ] );
	}

	/**
	 * Whether the plugin is active on the current site (switch_to_blog() included), on its own or for the network.
	 *
	 * @return bool
	 */
	public static function is_active_here() {
		return self::is_network_active() || in_array( plugin_basename( PLUGIN_FILE ), (array) get_option( 'active_plugins', array() ), true );
	}
}
