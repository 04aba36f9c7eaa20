<?php
/**
 * The records of remote-only files, and the uploads folder's marker.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Where a remote-only file is recorded (docs/remote-only.md): the attachment's Attachment_Files::META entry gains
 * 'remote' => true and 'removed' => unix time, and its index row's remote_only is 1. Remote_Files sets both before it
 * deletes a local copy; Remote_Restore clears both after it brought the file back. The marker's counts come from the
 * index.
 */
class Remote_Records {

	/**
	 * Records a file as remote-only: its meta entry and its index row.
	 *
	 * @param int    $attachment_id Attachment ID.
	 * @param string $relative      Path below the site's uploads folder, as on disk.
	 * @param string $path          Key-space path.
	 * @param array  $row           Index row: size, md5.
	 * @param int    $mtime         The local copy's mtime.
	 */
	public static function record_remote( $attachment_id, $relative, $path, array $row, $mtime ) {
		global $wpdb;
		$meta              = get_post_meta( (int) $attachment_id, Attachment_Files::META, true );
		$meta              = is_array( $meta ) ? $meta : array();
		$meta[ $relative ] = array(
			'size'    => (int) $row['size'],
			'mtime'   => (int) $mtime,
			'md5'     => (string) $row['md5'],
			'remote'  => true,
			'removed' => time(),
		);
		update_post_meta( (int) $attachment_id, Attachment_Files::META, $meta );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->update( Schema::files_table(), array( 'remote_only' => 1 ), array( 'path' => (string) $path, 'attachment_id' => (int) $attachment_id ), array( '%d' ), array( '%s', '%d' ) );
		do_action( Manifest_Index::CHANGED_ACTION );
	}

	/**
	 * Records a file as local again, with its fingerprint now.
	 *
	 * @param int    $attachment_id Attachment ID.
	 * @param string $relative      Path below the site's uploads folder, as on disk.
	 * @param string $path          Key-space path.
	 * @param array  $entry         size, mtime, md5 of the local file.
	 */
	public static function clear_remote( $attachment_id, $relative, $path, array $entry ) {
		global $wpdb;
		$meta              = get_post_meta( (int) $attachment_id, Attachment_Files::META, true );
		$meta              = is_array( $meta ) ? $meta : array();
		$meta[ $relative ] = array(
			'size'  => (int) $entry['size'],
			'mtime' => (int) $entry['mtime'],
			'md5'   => (string) $entry['md5'],
		);
		update_post_meta( (int) $attachment_id, Attachment_Files::META, $meta );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->update(
			Schema::files_table(),
			array(
				'remote_only' => 0,
				'size'        => (int) $entry['size'],
				'md5'         => (string) $entry['md5'],
				'modified'    => (int) $entry['mtime'],
			),
			array(
				'path'          => (string) $path,
				'attachment_id' => (int) $attachment_id,
			),
			array( '%d', '%d', '%s', '%d' ),
			array( '%s', '%d' )
		);
		do_action( Manifest_Index::CHANGED_ACTION );
	}

	/**
	 * Remote-only files of the current site and their bytes, from the index.
	 *
	 * @return array{files:int, bytes:int}
	 */
	public static function totals() {
		global $wpdb;
		$table = Schema::files_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$row = $wpdb->get_row( "SELECT COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes FROM {$table} WHERE remote_only = 1", ARRAY_A );
		return array(
			'files' => (int) ( $row['files'] ?? 0 ),
			'bytes' => (int) ( $row['bytes'] ?? 0 ),
		);
	}

	/**
	 * Writes the marker in the site's uploads folder from the index's counts, or deletes it when no file is
	 * remote-only. Written to a temporary name and renamed, so a reader never sees half of it.
	 *
	 * @return string|null The marker's path, or null when there is none.
	 */
	public static function write_marker() {
		$uploads = wp_upload_dir( null, false );
		if ( ! empty( $uploads['error'] ) ) {
			return null;
		}
		$marker = untrailingslashit( $uploads['basedir'] ) . '/' . Remote_Rules::MARKER;
		$totals = self::totals();
		if ( 0 === $totals['files'] ) {
			if ( file_exists( $marker ) ) {
				@unlink( $marker ); // phpcs:ignore WordPress.PHP.NoSilencedErrors,WordPress.WP.AlternativeFunctions.unlink_unlink
			}
			return null;
		}
		$temp = $marker . '.' . bin2hex( random_bytes( 4 ) );
		if ( false === file_put_contents( $temp, Remote_Rules::marker_content( $totals['files'], $totals['bytes'], time() ) . "\n" ) || ! @rename( $temp, $marker ) ) { // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_file_put_contents,WordPress.PHP.NoSilencedErrors,WordPress.WP.AlternativeFunctions.rename_rename
			@unlink( $temp ); // phpcs:ignore WordPress.PHP.NoSilencedErrors,WordPress.WP.AlternativeFunctions.unlink_unlink
			Remote_Files::log( 'error', 0, Remote_Rules::MARKER, 0, 'could not write the marker' );
		}
		return $marker;
	}
}
