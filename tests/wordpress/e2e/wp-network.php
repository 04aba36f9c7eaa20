<?php
/**
 * Drives the test network from the command line: php wp-network.php <command> [args...]
 *
 * Needs WP_DIR and WP_URL in the environment. WP_URL names the site a command runs on, e.g.
 * http://127.0.0.1:8080/site2: its host and path become HTTP_HOST and REQUEST_URI, so WordPress loads that site as
 * it would for a request. Commands:
 *   install <settings-json>                 installs the main site and turns it into a subdirectory network (the tables
 *                                           and rows WordPress's Network Setup writes)
 *   app-password                            prints an application password of the network's admin
 *   network-activate                        activates the plugin for the whole network, as Network Admin → Plugins does
 *   create-site <slug> <title> <settings-json>
 *                                           adds a site at /<slug>/ with its settings, as Network Admin → Sites does
 *   site-user <login> <blog-id> <role>      adds a user who belongs to that site only; prints an application password
 *   park-event <event-json>                 puts an event into this site's outbox as refused by the service
 *   tables                                  this site's plugin tables
 *   cli <subcommand> [--flag[=value]]...    runs `wp media-offload <subcommand>` through a minimal WP_CLI stand-in
 *   option <name>                           prints an option of this site as JSON
 *   index                                   prints this site's manifest index rows as JSON
 *   queue                                   prints this site's outbox counts and rows as JSON
 *   uploads                                 prints this site's wp_upload_dir() as JSON
 *
 * @package MediaOffload
 */

// phpcs:disable WordPress.WP.GlobalVariablesOverride.Prohibited, WordPress.NamingConventions.PrefixAllGlobals

$command = $argv[1] ?? '';
$args    = array_slice( $argv, 2 );
$wp_dir  = getenv( 'WP_DIR' );
$url     = getenv( 'WP_URL' );
if ( ! $wp_dir || ! $url ) {
	fwrite( STDERR, "WP_DIR and WP_URL must be set\n" );
	exit( 2 );
}
$host                   = (string) parse_url( $url, PHP_URL_HOST );
$port                   = parse_url( $url, PHP_URL_PORT );
$domain                 = $host . ( $port ? ':' . $port : '' );
$_SERVER['HTTP_HOST']   = $domain;
$_SERVER['SERVER_NAME'] = $host;
$_SERVER['SERVER_PORT'] = $port ? (string) $port : '80';
$_SERVER['REQUEST_URI'] = rtrim( (string) parse_url( $url, PHP_URL_PATH ), '/' ) . '/';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';

if ( 'cli' === $command ) {
	// The few WP_CLI methods the plugin's commands call, so they run through the real registration path.
	define( 'WP_CLI', true );
	class WP_CLI {
		public static $commands = array();
		public static function add_command( $name, $callable ) {
			self::$commands[ $name ] = $callable;
		}
		public static function line( $message = '' ) {
			echo $message, "\n";
		}
		public static function log( $message ) {
			self::line( $message );
		}
		public static function success( $message ) {
			self::line( 'Success: ' . $message );
		}
		public static function warning( $message ) {
			fwrite( STDERR, 'Warning: ' . $message . "\n" );
		}
		public static function error( $message ) {
			fwrite( STDERR, 'Error: ' . $message . "\n" );
			exit( 1 );
		}
	}
}
if ( 'install' === $command ) {
	define( 'WP_INSTALLING', true );
}
// A command is no visitor: WP-Cron spawned from here would take the site's cron lock for a minute, often before the
// server that answers the spawn runs, and the test's own visitors would wait that minute out.
define( 'DISABLE_WP_CRON', true );

require $wp_dir . '/wp-load.php';

/**
 * WordPress keeps only letters, digits, '.', '-', '_' and '@' of a new site's domain; the test network lives on a
 * port, so the site gets the network's own domain back.
 */
function e2e_keep_port( $data ) {
	if ( isset( $data['domain'] ) ) {
		$data['domain'] = $_SERVER['HTTP_HOST'];
	}
	return $data;
}

function e2e_tables() {
	global $wpdb;
	return $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix . 'media_offload_' ) . '%' ) );
}

switch ( $command ) {
	case 'install':
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		wp_install( 'MediaOffload network E2E', 'admin', 'admin@example.com', true, '', 'e2e-admin-password' );
		update_option( 'uploads_use_yearmonth_folders', 1 );
		update_option( 'media_offload_settings', json_decode( $args[0], true ) );
		// What Network Setup does: the network's tables, then the network and its main site.
		foreach ( $wpdb->tables( 'ms_global' ) as $table => $prefixed ) {
			$wpdb->$table = $prefixed;
		}
		install_network();
		$result = populate_network( 1, $domain, 'admin@example.com', 'MediaOffload network E2E', '/', false );
		if ( is_wp_error( $result ) ) {
			fwrite( STDERR, $result->get_error_message() . "\n" );
			exit( 1 );
		}
		// populate_network() gives the main site /blog/… permalinks; these keep posts at /<slug>/ as on the other site.
		update_option( 'permalink_structure', '/%postname%/' );
		delete_option( 'rewrite_rules' );
		echo wp_json_encode( array( 'network' => 1 ) ), "\n";
		break;

	case 'app-password':
		// Once the network is on: WordPress records that application passwords are in use as a network option.
		list( $password ) = WP_Application_Passwords::create_new_application_password( 1, array( 'name' => 'e2e' ) );
		echo wp_json_encode( array( 'user' => 'admin', 'appPassword' => $password ) ), "\n";
		break;

	case 'network-activate':
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		$result = activate_plugin( 'media-offload/media-offload.php', '', true );
		if ( is_wp_error( $result ) ) {
			fwrite( STDERR, $result->get_error_message() . "\n" );
			exit( 1 );
		}
		echo wp_json_encode( array( 'network' => is_plugin_active_for_network( 'media-offload/media-offload.php' ), 'tables' => e2e_tables() ) ), "\n";
		break;

	case 'create-site':
		add_filter( 'wp_normalize_site_data', 'e2e_keep_port', 11 );
		$id = wpmu_create_blog( $domain, '/' . trim( $args[0], '/' ) . '/', $args[1], 1 );
		if ( is_wp_error( $id ) ) {
			fwrite( STDERR, $id->get_error_message() . "\n" );
			exit( 1 );
		}
		switch_to_blog( $id );
		// Right after WordPress made the site, before anything ran on it: tables from wp_initialize_site.
		$tables = e2e_tables();
		update_option( 'permalink_structure', '/%postname%/' );
		update_option( 'uploads_use_yearmonth_folders', 1 );
		delete_option( 'rewrite_rules' );
		update_option( 'media_offload_settings', json_decode( $args[2], true ) );
		$home = home_url();
		restore_current_blog();
		echo wp_json_encode( array( 'id' => $id, 'home' => $home, 'tables' => $tables ) ), "\n";
		break;

	case 'site-user':
		$id = wp_insert_user(
			array(
				'user_login' => $args[0],
				'user_pass'  => 'e2e-' . $args[0] . '-password',
				'user_email' => $args[0] . '@example.com',
				'role'       => '',
			)
		);
		if ( is_wp_error( $id ) ) {
			fwrite( STDERR, $id->get_error_message() . "\n" );
			exit( 1 );
		}
		add_user_to_blog( (int) $args[1], $id, $args[2] );
		remove_user_from_blog( $id, get_main_site_id() );
		update_user_meta( $id, 'primary_blog', (int) $args[1] );
		list( $password ) = WP_Application_Passwords::create_new_application_password( $id, array( 'name' => 'e2e' ) );
		echo wp_json_encode( array( 'id' => $id, 'user' => $args[0], 'appPassword' => $password, 'blogs' => array_keys( get_blogs_of_user( $id ) ) ) ), "\n";
		break;

	case 'park-event':
		// An event the service refused for good, as the outbox keeps one for "Retry now".
		$id = MediaOffload\Queue::push( json_decode( $args[0], true ) );
		MediaOffload\Queue::failed( $id, 1, 'e2e: refused', true, time() );
		echo wp_json_encode( array( 'id' => $id ) ), "\n";
		break;

	case 'tables':
		echo wp_json_encode( e2e_tables() ), "\n";
		break;

	case 'cli':
		$sub   = array_shift( $args );
		$pos   = array();
		$assoc = array();
		foreach ( $args as $arg ) {
			if ( preg_match( '/^--([^=]+)(?:=(.*))?$/s', $arg, $m ) ) {
				$assoc[ $m[1] ] = isset( $m[2] ) ? $m[2] : true;
			} else {
				$pos[] = $arg;
			}
		}
		if ( empty( WP_CLI::$commands['media-offload'] ) ) {
			fwrite( STDERR, "media-offload is not registered\n" );
			exit( 1 );
		}
		$class    = WP_CLI::$commands['media-offload'];
		$instance = new $class();
		$instance->$sub( $pos, $assoc );
		break;

	case 'option':
		echo wp_json_encode( get_option( $args[0], null ) ), "\n";
		break;

	case 'index':
		$table = $wpdb->prefix . 'media_offload_files';
		echo wp_json_encode( $wpdb->get_results( "SELECT path, attachment_id, name FROM {$table} ORDER BY path", ARRAY_A ) ), "\n";
		break;

	case 'queue':
		echo wp_json_encode(
			array(
				'counts' => MediaOffload\Queue::counts(),
				'rows'   => MediaOffload\Queue::waiting( 100 ),
			)
		), "\n";
		break;

	case 'uploads':
		echo wp_json_encode( wp_upload_dir( null, false ) + array( 'blog' => get_current_blog_id(), 'home' => home_url() ) ), "\n";
		break;

	default:
		fwrite( STDERR, "unknown command: {$command}\n" );
		exit( 2 );
}
