<?php
/**
 * The plugin's two tables: the manifest index and the retry queue.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Creates and upgrades the tables with dbDelta, once per schema version and site.
 */
class Schema {

	const VERSION        = '3';
	const VERSION_OPTION = 'media_offload_schema';

	/**
	 * Manifest index table of the current site.
	 *
	 * @return string
	 */
	public static function files_table() {
		global $wpdb;
		return $wpdb->prefix . 'media_offload_files';
	}

	/**
	 * Retry queue table of the current site.
	 *
	 * @return string
	 */
	public static function queue_table() {
		global $wpdb;
		return $wpdb->prefix . 'media_offload_queue';
	}

	/**
	 * Installs or upgrades the tables when the stored schema version differs.
	 *
	 * Version 2 adds, per index row, the owner's on-disk name (`name`, for the manifest's `url` and the URL
	 * ownership check) and `contested`, set when another attachment's file normalises to the same path
	 * (docs/keys.md, "Two names, one key").
	 *
	 * Version 3 adds `remote_only`, set while the file's local copy is removed and the bucket holds the only copy
	 * (docs/remote-only.md). dbDelta adds the column with its default, so every row of an upgraded index is local,
	 * which is what it was.
	 *
	 * @return string|false The version found before ('' for a fresh install), or false when nothing was to do.
	 */
	public static function maybe_install() {
		$previous = get_option( self::VERSION_OPTION );
		if ( self::VERSION === $previous ) {
			return false;
		}
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset = $wpdb->get_charset_collate();
		$files   = self::files_table();
		$queue   = self::queue_table();
		// path and name are binary, so ORDER BY and > compare bytes (the order S3 lists keys in) and a name is
		// compared byte for byte: an NFD name and its NFC form are different names.
		dbDelta(
			"CREATE TABLE {$files} (
			path varbinary(900) NOT NULL,
			attachment_id bigint(20) unsigned NOT NULL,
			name varbinary(900) NOT NULL DEFAULT '',
			size bigint(20) unsigned NOT NULL,
			md5 char(32) NOT NULL,
			mime varchar(100) NOT NULL,
			modified bigint(20) unsigned NOT NULL,
			contested tinyint(1) unsigned NOT NULL DEFAULT 0,
			remote_only tinyint(1) unsigned NOT NULL DEFAULT 0,
			PRIMARY KEY  (path),
			KEY attachment_id (attachment_id),
			KEY contested (contested),
			KEY remote_only (remote_only)
			) {$charset};
			CREATE TABLE {$queue} (
			id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
			event_type varchar(32) NOT NULL,
			attachment_id bigint(20) unsigned NOT NULL,
			payload longtext NOT NULL,
			status varchar(16) NOT NULL DEFAULT 'pending',
			attempts int(10) unsigned NOT NULL DEFAULT 0,
			next_attempt_at bigint(20) unsigned NOT NULL DEFAULT 0,
			locked_until bigint(20) unsigned NOT NULL DEFAULT 0,
			last_error text NULL,
			created_at bigint(20) unsigned NOT NULL,
			PRIMARY KEY  (id),
			KEY due (status,next_attempt_at)
			) {$charset};"
		);
		if ( '1' === (string) $previous ) {
			Manifest_Index::upgrade_from_v1();
		}
		update_option( self::VERSION_OPTION, self::VERSION, true );
		return false === $previous ? '' : (string) $previous;
	}

	/**
	 * Drops both tables. Only uninstall.php calls this; media files are never touched.
	 */
	public static function drop() {
		global $wpdb;
		$wpdb->query( 'DROP TABLE IF EXISTS ' . self::files_table() ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared,WordPress.DB.DirectDatabaseQuery -- table names only.
		$wpdb->query( 'DROP TABLE IF EXISTS ' . self::queue_table() ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared,WordPress.DB.DirectDatabaseQuery -- table names only.
		delete_option( self::VERSION_OPTION );
	}
}
