<?php
/**
 * The plugin.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Wires the parts together with symmetric setup() and tear_down().
 */
class Plugin {

	const INDEX_HOOK = 'media_offload_index';

	/**
	 * The instance.
	 *
	 * @var Plugin|null
	 */
	private static $instance = null;

	/**
	 * Parts with setup() and tear_down().
	 *
	 * @var object[]
	 */
	private $parts = array();

	/**
	 * The instance.
	 *
	 * @return Plugin
	 */
	public static function get_instance() {
		if ( null === self::$instance ) {
			self::$instance = new self();
		}
		return self::$instance;
	}

	/**
	 * The URL part, for the admin screen.
	 *
	 * @return Urls|null
	 */
	public function urls() {
		return isset( $this->parts['urls'] ) ? $this->parts['urls'] : null;
	}

	/**
	 * Whether setup() found the requirements met.
	 *
	 * @var bool
	 */
	private $ready = true;

	/**
	 * Adds every hook. Without intl (Requirements) the plugin is inert: it keeps the settings screen, shows why it
	 * is inactive, answers the manifest with 503 and bookkeeps deletes, and does nothing else.
	 */
	public function setup() {
		if ( $this->parts ) {
			return;
		}
		$this->ready = Requirements::met();
		$this->parts = array(
			'events'   => new Events( $this->ready ),
			'manifest' => new Manifest_Route(),
		);
		if ( is_multisite() ) {
			$this->parts['network'] = new Network();
		}
		if ( $this->ready ) {
			$this->parts['urls'] = new Urls();
			$this->parts['variants'] = new Variant_Fallback();
			// What became of the events: job polls and run reports (docs/plugin.md, "Offload status", "Reports").
			$this->parts['job_status'] = new Job_Status();
			$this->parts['reports']    = new Reports();
			// Remote-only files (docs/remote-only.md): the removal run, and the restores, which stay on even while
			// the setting is off, so a file removed earlier still comes back when WordPress needs it.
			$this->parts['remote_files']   = new Remote_Files();
			$this->parts['remote_restore'] = new Remote_Restore();
		}
		if ( is_admin() ) {
			$this->parts['admin']        = new Admin();
			$this->parts['media_column'] = new Media_Column();
			$this->parts['remote_admin'] = new Remote_Admin();
			if ( is_multisite() ) {
				$this->parts['network_admin'] = new Network_Admin();
			}
		}
		foreach ( $this->parts as $part ) {
			$part->setup();
		}
		if ( $this->ready ) {
			add_action( 'init', array( $this, 'install' ), 1 );
			add_action( self::INDEX_HOOK, array( __CLASS__, 'index_batch' ) );
		} else {
			add_action( 'admin_notices', array( Requirements::class, 'notice' ) );
			add_action( 'network_admin_notices', array( Requirements::class, 'notice' ) );
		}

		/**
		 * Fires once the plugin has added its hooks.
		 *
		 * @param Plugin $plugin The plugin.
		 */
		do_action( 'media_offload_loaded', $this );
	}

	/**
	 * Removes every hook.
	 */
	public function tear_down() {
		foreach ( array_reverse( $this->parts ) as $part ) {
			$part->tear_down();
		}
		$this->parts = array();
		remove_action( 'init', array( $this, 'install' ), 1 );
		remove_action( self::INDEX_HOOK, array( __CLASS__, 'index_batch' ) );
		remove_action( 'admin_notices', array( Requirements::class, 'notice' ) );
		remove_action( 'network_admin_notices', array( Requirements::class, 'notice' ) );
	}

	/**
	 * Creates the tables on first run (and per site on multisite), then indexes existing media in the background.
	 */
	public function install() {
		self::install_site();
	}

	/**
	 * Creates or upgrades the current site's tables (switch_to_blog() included) and schedules the indexing of its
	 * existing media. Also run for every site when the plugin is network-activated, and for a site the network
	 * creates later (Network).
	 */
	public static function install_site() {
		if ( get_option( Schema::VERSION_OPTION ) === Schema::VERSION ) {
			return;
		}
		Schema::maybe_install();
		do_action( Manifest_Index::CHANGED_ACTION );
		if ( ! wp_next_scheduled( self::INDEX_HOOK ) ) {
			wp_schedule_single_event( time(), self::INDEX_HOOK );
		}
	}

	/**
	 * WP-Cron: indexes a batch of attachments uploaded before the plugin ran, then re-describes a batch after a
	 * schema upgrade, and continues until neither has anything left.
	 */
	public static function index_batch() {
		$done = Manifest_Index::index_missing( 100 );
		if ( 0 === $done ) {
			$done = Manifest_Index::reindex_batch( 200 );
		}
		if ( $done > 0 ) {
			wp_schedule_single_event( time(), self::INDEX_HOOK );
		}
	}
}
