<?php
/**
 * Network Admin → Settings → Media Offload: every site's status on one page.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * A page for the network's operator (`manage_network_options`, which only super admins have): one row per site with
 * its key space, where its secret comes from, its settings problems, its outbox and what the service made of its
 * media (Job_Status::site_summary(), when that part of the plugin is there), and a nonce-protected "Retry now" per
 * site. Secrets are never printed; a secret two sites share is named as shared. Site admins keep their own site's
 * Settings → Media Offload page (Admin) and never see another site's.
 */
class Network_Admin {

	const PAGE     = 'media-offload-network';
	const ACTION   = 'media_offload_network_retry';
	const PER_PAGE = 50;
	const CAP      = 'manage_network_options';

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_action( 'network_admin_menu', array( $this, 'menu' ) );
		add_action( 'network_admin_edit_' . self::ACTION, array( $this, 'retry' ) );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_action( 'network_admin_menu', array( $this, 'menu' ) );
		remove_action( 'network_admin_edit_' . self::ACTION, array( $this, 'retry' ) );
	}

	/**
	 * Adds the page under the network's Settings.
	 */
	public function menu() {
		add_submenu_page( 'settings.php', __( 'Media Offload', 'media-offload' ), __( 'Media Offload', 'media-offload' ), self::CAP, self::PAGE, array( $this, 'render' ) );
	}

	/**
	 * Handles "Retry now" for one site: puts its pending and refused events back in line and wakes its WP-Cron.
	 */
	public function retry() {
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'media-offload' ), 403 );
		}
		$blog_id = isset( $_POST['blog_id'] ) ? absint( $_POST['blog_id'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Missing -- the nonce names the site and is checked next.
		check_admin_referer( self::ACTION . '_' . $blog_id );
		$count = 0;
		if ( $blog_id > 0 && get_site( $blog_id ) ) {
			switch_to_blog( $blog_id );
			if ( self::is_set_up() ) {
				$count = Queue::retry_all();
				Events::wake();
			}
			restore_current_blog();
		}
		wp_safe_redirect(
			add_query_arg(
				array(
					'page'    => self::PAGE,
					'retried' => $count,
					'site'    => $blog_id,
				),
				network_admin_url( 'settings.php' )
			)
		);
		exit;
	}

	/**
	 * Whether the plugin runs on the current site and has made its tables there.
	 *
	 * @return bool
	 */
	private static function is_set_up() {
		return Network::is_active_here() && Schema::VERSION === get_option( Schema::VERSION_OPTION );
	}

	/**
	 * The current site's row, read inside switch_to_blog(). Never holds a secret, only a hash to spot shared ones.
	 *
	 * @return array
	 */
	public static function site_row() {
		$row = array(
			'id'        => get_current_blog_id(),
			'name'      => (string) get_option( 'blogname' ),
			'url'       => home_url( '/' ),
			'admin'     => admin_url( 'options-general.php?page=' . Admin::PAGE ),
			'key_space' => trim( Settings::get( 'key_prefix' ), '/' ) . '/' . Key_Space::current()->prefix(),
			'active'    => Network::is_active_here(),
			'set_up'    => self::is_set_up(),
			'secret'    => Settings::secret_source(),
			'hash'      => '',
			'problems'  => array(),
			'outbox'    => null,
			'summary'   => null,
		);
		if ( ! $row['active'] ) {
			return $row;
		}
		$secret = Settings::get( 'secret' );
		if ( '' !== $secret ) {
			$row['hash'] = hash_hmac( 'sha256', $secret, 'media-offload-network-page' );
		}
		$row['problems'] = Settings::problems();
		if ( $row['set_up'] ) {
			$row['outbox'] = Queue::counts();
		}
		$row['summary'] = self::summary();
		return $row;
	}

	/**
	 * What the service made of the current site's media, or null when that part of the plugin is not there.
	 *
	 * @return array|null
	 */
	private static function summary() {
		$class = __NAMESPACE__ . '\\Job_Status';
		if ( ! class_exists( $class ) || ! method_exists( $class, 'site_summary' ) ) {
			return null;
		}
		try {
			$summary = call_user_func( array( $class, 'site_summary' ) );
		} catch ( \Throwable $e ) {
			return null;
		}
		return is_array( $summary ) ? $summary : null;
	}

	/**
	 * Sites that share a secret with another listed site: blog id => ids of the others. Pure.
	 *
	 * @param array[] $rows site_row() results.
	 * @return array<int,int[]>
	 */
	public static function shared_secrets( array $rows ) {
		$by_hash = array();
		foreach ( $rows as $row ) {
			if ( '' !== (string) $row['hash'] ) {
				$by_hash[ $row['hash'] ][] = (int) $row['id'];
			}
		}
		$shared = array();
		foreach ( $by_hash as $ids ) {
			if ( count( $ids ) < 2 ) {
				continue;
			}
			foreach ( $ids as $id ) {
				$shared[ $id ] = array_values( array_diff( $ids, array( $id ) ) );
			}
		}
		return $shared;
	}

	/**
	 * Renders the page.
	 */
	public function render() {
		if ( ! current_user_can( self::CAP ) ) {
			return;
		}
		$paged = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- paging only.
		$query = new \WP_Site_Query(
			array(
				'network_id' => get_current_network_id(),
				'number'     => self::PER_PAGE,
				'offset'     => ( $paged - 1 ) * self::PER_PAGE,
				'orderby'    => 'id',
				'order'      => 'ASC',
				'fields'     => 'ids',
			)
		);
		$rows = array();
		foreach ( $query->get_sites() as $blog_id ) {
			switch_to_blog( (int) $blog_id );
			$rows[] = self::site_row();
			restore_current_blog();
		}
		$shared = self::shared_secrets( $rows );

		echo '<div class="wrap" id="media-offload-network">';
		echo '<h1>' . esc_html__( 'Media Offload', 'media-offload' ) . '</h1>';
		if ( isset( $_GET['retried'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			/* translators: 1: number of events, 2: blog id */
			echo '<div class="notice notice-success"><p>' . esc_html( sprintf( __( '%1$d queued events of site %2$d will be sent again now.', 'media-offload' ), absint( $_GET['retried'] ), isset( $_GET['site'] ) ? absint( $_GET['site'] ) : 0 ) ) . '</p></div>'; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		}
		echo '<p>' . esc_html__( 'Each site signs with its own secret and keeps its files in its own key space below the key prefix. The service lists each site under Offload:Sites with that URL, key space and secret (docs/plugin.md, "Multisite").', 'media-offload' ) . '</p>';
		echo '<table class="widefat striped" id="media-offload-sites"><thead><tr>';
		foreach ( array( __( 'Site', 'media-offload' ), __( 'Key space', 'media-offload' ), __( 'Secret', 'media-offload' ), __( 'Settings', 'media-offload' ), __( 'Outbox', 'media-offload' ), __( 'Media', 'media-offload' ), __( 'Last report', 'media-offload' ), '' ) as $heading ) {
			echo '<th>' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		foreach ( $rows as $row ) {
			$this->render_row( $row, isset( $shared[ $row['id'] ] ) ? $shared[ $row['id'] ] : array() );
		}
		echo '</tbody></table>';
		$pages = (int) ceil( $query->found_sites / self::PER_PAGE );
		if ( $pages > 1 ) {
			echo '<p class="tablenav-pages">';
			for ( $i = 1; $i <= $pages; $i++ ) {
				if ( $i === $paged ) {
					echo '<strong>' . esc_html( (string) $i ) . '</strong> ';
				} else {
					echo '<a href="' . esc_url( add_query_arg( array( 'page' => self::PAGE, 'paged' => $i ), network_admin_url( 'settings.php' ) ) ) . '">' . esc_html( (string) $i ) . '</a> ';
				}
			}
			echo '</p>';
		}
		echo '</div>';
	}

	/**
	 * One site's row.
	 *
	 * @param array $row    site_row().
	 * @param int[] $shared Other sites with the same secret.
	 */
	private function render_row( array $row, array $shared ) {
		echo '<tr id="media-offload-site-' . esc_attr( (string) (int) $row['id'] ) . '">';
		echo '<td><strong>' . esc_html( '' === $row['name'] ? '#' . $row['id'] : $row['name'] ) . '</strong><br /><code>' . esc_html( $row['url'] ) . '</code>';
		if ( $row['active'] ) {
			echo '<br /><a href="' . esc_url( $row['admin'] ) . '">' . esc_html__( 'Site settings', 'media-offload' ) . '</a>';
		}
		echo '</td>';
		echo '<td><code class="media-offload-key-space">' . esc_html( $row['key_space'] ) . '</code></td>';
		if ( ! $row['active'] ) {
			echo '<td colspan="6">' . esc_html__( 'The plugin is not active on this site.', 'media-offload' ) . '</td></tr>';
			return;
		}
		$sources = array(
			'site-constant' => __( 'own (MEDIA_OFFLOAD_SITE_SECRETS)', 'media-offload' ),
			'constant'      => __( 'MEDIA_OFFLOAD_SECRET, the same for every site', 'media-offload' ),
			'option'        => __( 'own (site settings)', 'media-offload' ),
			'none'          => __( 'not set', 'media-offload' ),
		);
		echo '<td class="media-offload-secret">' . esc_html( $sources[ $row['secret'] ] ?? $row['secret'] );
		if ( $shared ) {
			/* translators: %s: comma-separated blog ids */
			echo '<br /><strong>' . esc_html( sprintf( __( 'Same secret as site %s: either can sign for the other unless the service binds it to one site.', 'media-offload' ), implode( ', ', array_map( 'intval', $shared ) ) ) ) . '</strong>';
		}
		echo '</td>';
		echo '<td class="media-offload-problems">';
		if ( ! $row['problems'] ) {
			echo esc_html__( 'complete', 'media-offload' );
		} else {
			echo '<ul>';
			foreach ( $row['problems'] as $problem ) {
				echo '<li>' . esc_html( (string) $problem ) . '</li>';
			}
			echo '</ul>';
		}
		echo '</td>';
		echo '<td class="media-offload-outbox">';
		if ( null === $row['outbox'] ) {
			echo esc_html__( 'not set up yet (on the site\'s next request)', 'media-offload' );
		} else {
			/* translators: 1: pending, 2: retrying, 3: refused */
			echo esc_html( sprintf( __( '%1$d pending (%2$d after a failed attempt), %3$d refused', 'media-offload' ), (int) $row['outbox']['pending'], (int) $row['outbox']['retrying'], (int) $row['outbox']['failed'] ) );
		}
		echo '</td>';
		echo '<td class="media-offload-summary">' . esc_html( self::summary_line( $row['summary'] ) ) . '</td>';
		echo '<td class="media-offload-report">' . esc_html( self::report_line( is_array( $row['summary'] ) ? ( $row['summary']['last_report'] ?? null ) : null, null !== $row['summary'] ) ) . '</td>';
		echo '<td>';
		if ( null !== $row['outbox'] && ( $row['outbox']['pending'] || $row['outbox']['failed'] ) ) {
			echo '<form method="post" action="' . esc_url( network_admin_url( 'edit.php?action=' . self::ACTION ) ) . '">';
			echo '<input type="hidden" name="blog_id" value="' . esc_attr( (string) (int) $row['id'] ) . '" />';
			wp_nonce_field( self::ACTION . '_' . (int) $row['id'] );
			submit_button( __( 'Retry now', 'media-offload' ), 'secondary small', 'submit', false );
			echo '</form>';
		}
		echo '</td></tr>';
	}

	/**
	 * "6 offloaded, 0 pending, 0 failed, 0 unknown", or "n/a" without a summary. Pure.
	 *
	 * @param array|null $summary Job_Status::site_summary().
	 * @return string
	 */
	public static function summary_line( $summary ) {
		if ( ! is_array( $summary ) ) {
			return 'n/a';
		}
		$parts = array();
		foreach ( array( 'offloaded', 'pending', 'failed', 'unknown' ) as $key ) {
			$parts[] = ( isset( $summary[ $key ] ) && is_numeric( $summary[ $key ] ) ? (int) $summary[ $key ] : 0 ) . ' ' . $key;
		}
		return implode( ', ', $parts );
	}

	/**
	 * The last report in a line: its run, whether it was in sync and its drift, or "none yet" / "n/a". Pure.
	 *
	 * @param array|null $report    The summary's last_report.
	 * @param bool       $available Whether there is a summary at all.
	 * @return string
	 */
	public static function report_line( $report, $available = true ) {
		if ( ! $available ) {
			return 'n/a';
		}
		if ( ! is_array( $report ) || ! $report ) {
			return 'none yet';
		}
		$parts = array();
		foreach ( array( 'runId', 'finishedAt' ) as $key ) {
			if ( isset( $report[ $key ] ) && is_scalar( $report[ $key ] ) && '' !== (string) $report[ $key ] ) {
				$parts[] = (string) $report[ $key ];
			}
		}
		if ( isset( $report['inSync'] ) && is_bool( $report['inSync'] ) ) {
			$parts[] = $report['inSync'] ? 'in sync' : 'not in sync';
		}
		if ( isset( $report['drift'] ) && is_numeric( $report['drift'] ) ) {
			$parts[] = 'drift ' . (int) $report['drift'];
		}
		return $parts ? implode( ', ', $parts ) : 'reported';
	}
}
