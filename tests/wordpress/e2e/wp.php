<?php
/**
 * Drives the test WordPress from the command line: php wp.php <command> [args...]
 *
 * Needs WP_DIR in the environment. Commands:
 *   install <url> <plugin-settings-json>   installs the site, activates the plugin, prints an application password
 *   user <login> <role>                    adds a user, prints its id and an application password
 *   activate | deactivate                  (de)activates the plugin as `wp plugin activate` does: a wp_die() in the
 *                                          activation hook is printed as "Error: ..." with exit code 1
 *   cli <subcommand> [--flag[=value]]...   runs `wp media-offload <subcommand>` through a minimal WP_CLI stand-in
 *                                          (`remove-local` runs the method tagged `@subcommand remove-local`, or
 *                                          remove_local)
 *   edit <attachment-id> <rotate-degrees>  saves an edit through the image editor (wp_save_image), as the editor does
 *   crop <attachment-id> <x> <y> <w> <h>   saves a crop the same way; the box is in the editor's preview pixels
 *   regenerate <attachment-id>             what `wp media regenerate <id> --yes` does (wp-cli/media-command's
 *                                          process_regeneration): the original (or the attached file once edited),
 *                                          file_exists, old sizes unlinked, wp_generate_attachment_metadata,
 *                                          wp_update_attachment_metadata
 *   attached-file <attachment-id>          get_attached_file and wp_get_original_image_path, as a reader that needs the
 *                                          file on disk (media_offload_restore_on_demand forced on); prints both
 *   set-meta <post-id> <key> <json>        writes a post meta value directly (the tampering checks)
 *   cron-due <hook>                        moves every scheduled event of <hook> to now, so the next wp-cron.php runs it
 *   touch-meta <attachment-id>             saves the attachment's metadata unchanged (files untouched), as any plugin may
 *   queue                                  prints the outbox counts and rows as JSON
 *   option <name>                          prints an option as JSON
 *   set-option <name> <json>               writes an option directly, without the settings page's sanitising
 *   meta <post-id> <key>                   prints a post meta value as JSON
 *   index [<attachment-id>]                prints the manifest index rows (all, or of one attachment) as JSON
 *   schema-v1                              turns the index table back into schema 1, to test the upgrade
 *   cron <hook> [now]                      (schedules <hook> to run now, then) prints when events of <hook> are due
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

if ( in_array( $command, array( 'cli', 'activate', 'deactivate' ), true ) ) {
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
	// WP-CLI turns wp_die() into an error with the message as plain text; so does this stand-in.
	function e2e_cli_die( $message ) {
		$message = is_wp_error( $message ) ? $message->get_error_message() : (string) $message;
		WP_CLI::error( html_entity_decode( wp_strip_all_tags( $message ), ENT_QUOTES, 'UTF-8' ) );
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

	case 'user':
		$id = wp_insert_user(
			array(
				'user_login' => $args[0],
				'user_pass'  => 'e2e-' . $args[0] . '-password',
				'user_email' => $args[0] . '@example.com',
				'role'       => $args[1],
			)
		);
		if ( is_wp_error( $id ) ) {
			fwrite( STDERR, $id->get_error_message() . "\n" );
			exit( 1 );
		}
		list( $password ) = WP_Application_Passwords::create_new_application_password( $id, array( 'name' => 'e2e' ) );
		echo wp_json_encode( array( 'id' => $id, 'user' => $args[0], 'appPassword' => $password ) ), "\n";
		break;

	case 'activate':
	case 'deactivate':
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		add_filter(
			'wp_die_handler',
			function () {
				return 'e2e_cli_die';
			}
		);
		if ( 'activate' === $command ) {
			$result = activate_plugin( 'media-offload/media-offload.php' );
			if ( is_wp_error( $result ) ) {
				WP_CLI::error( $result->get_error_message() );
			}
		} else {
			deactivate_plugins( 'media-offload/media-offload.php' );
		}
		echo wp_json_encode( array( 'active' => is_plugin_active( 'media-offload/media-offload.php' ) ) ), "\n";
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
		// As WP-CLI maps a subcommand to a method: an `@subcommand` tag first, then the name with `_` for `-`.
		$method = null;
		foreach ( ( new ReflectionClass( $instance ) )->getMethods( ReflectionMethod::IS_PUBLIC ) as $candidate ) {
			if ( preg_match( '/@subcommand\s+(\S+)/', (string) $candidate->getDocComment(), $tag ) && $tag[1] === $sub ) {
				$method = $candidate->getName();
			}
		}
		if ( null === $method ) {
			$method = str_replace( '-', '_', $sub );
		}
		if ( ! method_exists( $instance, $method ) ) {
			fwrite( STDERR, "Error: '{$sub}' is not a registered subcommand of 'media-offload'.\n" );
			exit( 1 );
		}
		$instance->$method( $pos, $assoc );
		break;

	case 'edit':
	case 'crop':
		// One step of the image editor's history, saved as its Save button does: a rotation, or a crop box.
		require_once ABSPATH . 'wp-admin/includes/image-edit.php';
		require_once ABSPATH . 'wp-admin/includes/image.php';
		wp_set_current_user( 1 );
		$id   = (int) $args[0];
		$step = 'edit' === $command
			? array( 'r' => (int) $args[1] )
			: array(
				'c' => array(
					'x' => (int) $args[1],
					'y' => (int) $args[2],
					'w' => (int) $args[3],
					'h' => (int) $args[4],
				),
			);
		$_REQUEST['history'] = wp_json_encode( array( $step ) );
		$_REQUEST['target']  = 'all';
		$_REQUEST['context'] = '';
		$_REQUEST['do']      = 'save';
		$result              = wp_save_image( $id );
		echo wp_json_encode( array( 'result' => $result, 'file' => get_post_meta( $id, '_wp_attached_file', true ) ) ), "\n";
		if ( ! empty( $result->error ) ) {
			exit( 1 );
		}
		break;

	case 'regenerate':
		// wp-cli/media-command, Media_Command::process_regeneration() without --skip-delete, --only-missing or
		// --image_size, and its get_attached_file(): the original image unless the image was edited.
		require_once ABSPATH . 'wp-admin/includes/image.php';
		$id           = (int) $args[0];
		$backup_sizes = get_post_meta( $id, '_wp_attachment_backup_sizes', true );
		$fullsizepath = false;
		if ( empty( $backup_sizes ) && function_exists( 'wp_get_original_image_path' ) ) {
			$fullsizepath = wp_get_original_image_path( $id );
		}
		if ( false === $fullsizepath ) {
			$fullsizepath = get_attached_file( $id );
		}
		if ( false === $fullsizepath || ! file_exists( $fullsizepath ) ) {
			fwrite( STDERR, "Warning: Can't find \"" . get_the_title( $id ) . "\" (ID {$id}).\n" );
			exit( 1 );
		}
		$original_meta = wp_get_attachment_metadata( $id );
		// needs_regeneration() -> remove_old_images(): the old sizes go first (so now destructive).
		if ( is_array( $original_meta ) && ! empty( $original_meta['sizes'] ) ) {
			$dir_path = dirname( $fullsizepath ) . '/';
			foreach ( $original_meta['sizes'] as $size_info ) {
				$intermediate_path = $dir_path . $size_info['file'];
				if ( $intermediate_path !== $fullsizepath && file_exists( $intermediate_path ) ) {
					unlink( $intermediate_path );
				}
			}
		}
		$metadata = wp_generate_attachment_metadata( $id, $fullsizepath );
		if ( empty( $metadata ) ) {
			fwrite( STDERR, "Warning: No metadata. (ID {$id})\n" );
			exit( 1 );
		}
		if ( 1 === count( $metadata ) && array_key_exists( 'filesize', $metadata ) ) {
			fwrite( STDERR, "Warning: Read error while retrieving metadata. (ID {$id})\n" );
			exit( 1 );
		}
		wp_update_attachment_metadata( $id, $metadata );
		echo 'Success: Regenerated thumbnails for "' . get_the_title( $id ) . "\" (ID {$id}).\n";
		echo wp_json_encode( array( 'source' => $fullsizepath, 'metadata' => wp_get_attachment_metadata( $id ) ) ), "\n";
		break;

	case 'attached-file':
		$id = (int) $args[0];
		add_filter( 'media_offload_restore_on_demand', '__return_true' );
		$attached = get_attached_file( $id );
		$original = wp_get_original_image_path( $id );
		echo wp_json_encode(
			array(
				'attached'       => $attached,
				'attachedExists' => $attached && file_exists( $attached ),
				'original'       => $original,
				'originalExists' => $original && file_exists( $original ),
			)
		), "\n";
		break;

	case 'set-meta':
		update_post_meta( (int) $args[0], $args[1], wp_slash( json_decode( $args[2], true ) ) );
		echo wp_json_encode( get_post_meta( (int) $args[0], $args[1], true ) ), "\n";
		break;

	case 'cron-due':
		$crons = (array) _get_cron_array();
		$moved = 0;
		$now   = time() - 1;
		foreach ( $crons as $timestamp => $hooks ) {
			if ( ! isset( $hooks[ $args[0] ] ) ) {
				continue;
			}
			foreach ( $hooks[ $args[0] ] as $key => $event ) {
				$crons[ $now ][ $args[0] ][ $key ] = $event;
				++$moved;
			}
			unset( $crons[ $timestamp ][ $args[0] ] );
			if ( empty( $crons[ $timestamp ] ) ) {
				unset( $crons[ $timestamp ] );
			}
		}
		ksort( $crons );
		_set_cron_array( $crons );
		echo wp_json_encode( array( 'moved' => $moved ) ), "\n";
		break;

	case 'touch-meta':
		$id = (int) $args[0];
		echo wp_json_encode( array( 'updated' => (bool) wp_update_attachment_metadata( $id, wp_get_attachment_metadata( $id, true ) ) ) ), "\n";
		break;

	case 'queue':
		// Also while the plugin is deactivated (the activation check), through its own autoloader.
		if ( ! class_exists( 'MediaOffload\\Queue' ) ) {
			require_once WP_PLUGIN_DIR . '/media-offload/inc/namespace.php';
		}
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

	case 'set-option':
		update_option( $args[0], json_decode( $args[1], true ) );
		echo wp_json_encode( get_option( $args[0], null ) ), "\n";
		break;

	case 'meta':
		echo wp_json_encode( get_post_meta( (int) $args[0], $args[1], true ) ), "\n";
		break;

	case 'index':
		global $wpdb;
		$table = $wpdb->prefix . 'media_offload_files';
		$where = isset( $args[0] ) ? $wpdb->prepare( ' WHERE attachment_id = %d', (int) $args[0] ) : '';
		// remote_only since the remote-only schema (docs/remote-only.md); left out while the table lacks it.
		$remote = in_array( 'remote_only', $wpdb->get_col( "SHOW COLUMNS FROM {$table}" ), true ) ? ', remote_only' : '';
		echo wp_json_encode( $wpdb->get_results( "SELECT path, attachment_id, name, size, md5, contested{$remote} FROM {$table}{$where} ORDER BY path", ARRAY_A ) ), "\n";
		break;

	case 'cron':
		if ( isset( $args[1] ) && 'now' === $args[1] ) {
			wp_schedule_single_event( time(), $args[0], array( 'e2e' ) );
		}
		$due = array();
		foreach ( (array) _get_cron_array() as $timestamp => $hooks ) {
			if ( isset( $hooks[ $args[0] ] ) ) {
				$due[] = (int) $timestamp;
			}
		}
		echo wp_json_encode( $due ), "\n";
		break;

	case 'schema-v1':
		global $wpdb;
		$table = $wpdb->prefix . 'media_offload_files';
		$wpdb->query( "ALTER TABLE {$table} DROP COLUMN name, DROP COLUMN contested" );
		// Schema 3's column too, where the table has it (docs/remote-only.md).
		if ( in_array( 'remote_only', $wpdb->get_col( "SHOW COLUMNS FROM {$table}" ), true ) ) {
			$wpdb->query( "ALTER TABLE {$table} DROP COLUMN remote_only" );
		}
		update_option( 'media_offload_schema', '1', true );
		echo wp_json_encode( $wpdb->get_col( "SHOW COLUMNS FROM {$table}" ) ), "\n";
		break;

	case 'uninstall':
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		deactivate_plugins( 'media-offload/media-offload.php' );
		uninstall_plugin( 'media-offload/media-offload.php' );
		global $wpdb;
		// Any event of the plugin's still scheduled, whatever its hook.
		$left_hooks = array();
		foreach ( (array) _get_cron_array() as $cron_events ) {
			foreach ( array_keys( (array) $cron_events ) as $hook ) {
				if ( 0 === strpos( (string) $hook, 'media_offload' ) ) {
					$left_hooks[] = $hook;
				}
			}
		}
		echo wp_json_encode(
			array(
				'options' => array_map( 'get_option', array( 'media_offload_settings', 'media_offload_log', 'media_offload_schema', 'media_offload_last_backfill', 'media_offload_reindex', 'media_offload_last_report' ) ),
				'cron'    => array_map( 'wp_next_scheduled', array( 'media_offload_dispatch', 'media_offload_sweep', 'media_offload_index', 'media_offload_poll', 'media_offload_report' ) ),
				'hooks'   => $left_hooks,
				'tables'  => $wpdb->get_col( "SHOW TABLES LIKE '{$wpdb->prefix}media_offload%'" ),
				'attachments' => (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->posts} WHERE post_type = 'attachment'" ),
				'meta'        => (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->postmeta} WHERE meta_key LIKE '\\_media\\_offload\\_%'" ),
			)
		), "\n";
		break;

	default:
		fwrite( STDERR, "unknown command: {$command}\n" );
		exit( 2 );
}

