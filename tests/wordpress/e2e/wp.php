<?php
/**
 * Drives the test WordPress from the command line: php wp.php <command> [args...]
 *
 * Needs WP_DIR in the environment. Commands:
 *   install <url> <plugin-settings-json>   installs the site, activates the plugin, prints an application password
 *   cli <subcommand> [--flag[=value]]...   runs `wp media-offload <subcommand>` through a minimal WP_CLI stand-in
 *   edit <attachment-id> <rotate-degrees>  saves an edit through the image editor (wp_save_image), as the editor does
 *   queue                                  prints the outbox counts and rows as JSON
 *   option <name>                          prints an option as JSON
 *   uninstall                              runs the plugin's uninstall.php the way WordPress does
 *
 * @package MediaOffload
 */

// phpcs:disable WordPress.WP.GlobalVariablesOverride.Prohibited, WordPress.NamingConventions.PrefixAllGlobals

$command = $argv[1] ?? '';
$args    = array_slice( $argv, 2 );
$wp_dir  = getenv( 'WP_DIR' );
if ( ! $wp_dir ) {
	fwrite( STDERR, "WP_DIR is not set\n" );
	exit( 2 );
}
$home                   = getenv( 'WP_URL' ) ? getenv( 'WP_URL' ) : 'http://127.0.0.1';
$_SERVER['HTTP_HOST']   = (string) parse_url( $home, PHP_URL_HOST ) . ( parse_url( $home, PHP_URL_PORT ) ? ':' . parse_url( $home, PHP_URL_PORT ) : '' );
$_SERVER['SERVER_NAME'] = (string) parse_url( $home, PHP_URL_HOST );
$_SERVER['REQUEST_URI'] = '/';

if ( 'cli' === $command ) {
	// A stand-in for the few WP_CLI methods the plugin's commands call, so they run through the real
	// `defined( 'WP_CLI' ) && WP_CLI` registration path without the WP-CLI package.
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

require $wp_dir . '/wp-load.php';

switch ( $command ) {
	case 'install':
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		$result = wp_install( 'MediaOffload E2E', 'admin', 'admin@example.com', true, '', 'e2e-admin-password' );
		update_option( 'permalink_structure', '/%postname%/' );
		update_option( 'uploads_use_yearmonth_folders', 1 );
		update_option( 'media_offload_settings', json_decode( $args[1], true ) );
		$activated = activate_plugin( 'media-offload/media-offload.php' );
		if ( is_wp_error( $activated ) ) {
			fwrite( STDERR, $activated->get_error_message() . "\n" );
			exit( 1 );
		}
		flush_rewrite_rules( false );
		list( $password ) = WP_Application_Passwords::create_new_application_password( 1, array( 'name' => 'e2e' ) );
		echo wp_json_encode( array( 'user' => 'admin', 'appPassword' => $password ) ), "\n";
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

	case 'edit':
		require_once ABSPATH . 'wp-admin/includes/image-edit.php';
		require_once ABSPATH . 'wp-admin/includes/image.php';
		wp_set_current_user( 1 );
		$id                  = (int) $args[0];
		$_REQUEST['history'] = wp_json_encode( array( array( 'r' => (int) $args[1] ) ) );
		$_REQUEST['target']  = 'all';
		$_REQUEST['context'] = '';
		$_REQUEST['do']      = 'save';
		$result              = wp_save_image( $id );
		echo wp_json_encode( array( 'result' => $result, 'file' => get_post_meta( $id, '_wp_attached_file', true ) ) ), "\n";
		if ( ! empty( $result->error ) ) {
			exit( 1 );
		}
		break;

	case 'queue':
		echo wp_json_encode(
			array(
				'counts' => MediaOffload\Queue::counts(),
				'rows'   => MediaOffload\Queue::waiting( 100 ),
			)
		), "\n";
		break;

	case 'option':
		echo wp_json_encode( get_option( $args[0], null ) ), "\n";
		break;

	case 'uninstall':
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		deactivate_plugins( 'media-offload/media-offload.php' );
		uninstall_plugin( 'media-offload/media-offload.php' );
		global $wpdb;
		echo wp_json_encode(
			array(
				'options' => array_map( 'get_option', array( 'media_offload_settings', 'media_offload_log', 'media_offload_schema', 'media_offload_last_backfill' ) ),
				'cron'    => array_map( 'wp_next_scheduled', array( 'media_offload_dispatch', 'media_offload_sweep', 'media_offload_index' ) ),
				'tables'  => $wpdb->get_col( "SHOW TABLES LIKE '{$wpdb->prefix}media_offload%'" ),
				'attachments' => (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->posts} WHERE post_type = 'attachment'" ),
			)
		), "\n";
		break;

	default:
		fwrite( STDERR, "unknown command: {$command}\n" );
		exit( 2 );
}

