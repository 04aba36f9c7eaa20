<?php
/**
 * The manifest index: one row per offloadable file, in byte order of path.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Keeps a table of every file of the media library so the manifest can be paged in S3's order without loading the
 * whole library. Rows come from the attachment meta Attachment_Files maintains.
 */
class Manifest_Index {

	/**
	 * Replaces the rows of one attachment.
	 *
	 * @param int     $attachment_id Attachment ID.
	 * @param array[] $files         Attachment_Files::describe() output.
	 */
	public static function sync( $attachment_id, array $files ) {
		global $wpdb;
		$table = Schema::files_table();
		$wpdb->delete( $table, array( 'attachment_id' => (int) $attachment_id ), array( '%d' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		foreach ( $files as $file ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
			$wpdb->query( $wpdb->prepare( "REPLACE INTO {$table} (path, attachment_id, size, md5, mime, modified) VALUES (%s, %d, %d, %s, %s, %d)", $file['path'], (int) $attachment_id, (int) $file['size'], $file['md5'], (string) $file['mime'], strtotime( $file['modified'] ) ) );
		}
	}

	/**
	 * Removes the rows of one attachment.
	 *
	 * @param int $attachment_id Attachment ID.
	 */
	public static function remove( $attachment_id ) {
		global $wpdb;
		$wpdb->delete( Schema::files_table(), array( 'attachment_id' => (int) $attachment_id ), array( '%d' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}

	/**
	 * Describes and indexes attachments that have no fingerprints yet (those uploaded before the plugin ran).
	 *
	 * @param int $limit Most attachments to index in this call.
	 * @return int How many were indexed; 0 means the index is complete.
	 */
	public static function index_missing( $limit = 50 ) {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$ids = $wpdb->get_col(
			$wpdb->prepare(
				"SELECT p.ID FROM {$wpdb->posts} p LEFT JOIN {$wpdb->postmeta} m ON m.post_id = p.ID AND m.meta_key = %s
				WHERE p.post_type = 'attachment' AND m.meta_id IS NULL ORDER BY p.ID LIMIT %d",
				Attachment_Files::META,
				(int) $limit
			)
		);
		foreach ( $ids as $id ) {
			$files = Attachment_Files::describe( (int) $id );
			// Mark attachments without offloadable files too, so they are not visited again.
			add_post_meta( (int) $id, Attachment_Files::META, array(), true );
			self::sync( (int) $id, $files );
		}
		return count( $ids );
	}

	/**
	 * One manifest page.
	 *
	 * @param string $after Last path of the previous page ('' for the first).
	 * @param int    $limit Page size.
	 * @return array{files: array[], next: string|null}
	 */
	public static function page( $after, $limit ) {
		global $wpdb;
		$table = Schema::files_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT path, attachment_id, size, md5, mime, modified FROM {$table} WHERE path > %s ORDER BY path ASC LIMIT %d", (string) $after, (int) $limit + 1 ), ARRAY_A );
		$more  = count( $rows ) > $limit;
		$rows  = array_slice( $rows, 0, $limit );
		$files = array();
		foreach ( $rows as $row ) {
			$files[] = array(
				'path'         => $row['path'],
				'size'         => (int) $row['size'],
				'md5'          => $row['md5'],
				'mime'         => $row['mime'],
				'modified'     => Paths::iso_time( (int) $row['modified'] ),
				'attachmentId' => (int) $row['attachment_id'],
			);
		}
		return array(
			'files' => $files,
			'next'  => ( $more && $files ) ? end( $files )['path'] : null,
		);
	}

	/**
	 * Encodes a cursor: base64url of the last path, with no padding, so it survives any query encoding.
	 *
	 * @param string|null $path Last path.
	 * @return string|null
	 */
	public static function encode_cursor( $path ) {
		return null === $path ? null : rtrim( strtr( base64_encode( $path ), '+/', '-_' ), '=' ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- an opaque cursor.
	}

	/**
	 * Decodes a cursor; null when it is not one this plugin issued.
	 *
	 * @param string $cursor Cursor.
	 * @return string|null The path ('' for the first page).
	 */
	public static function decode_cursor( $cursor ) {
		$cursor = (string) $cursor;
		if ( '' === $cursor ) {
			return '';
		}
		if ( ! preg_match( '/^[A-Za-z0-9_-]+$/', $cursor ) ) {
			return null;
		}
		$path = base64_decode( strtr( $cursor, '-_', '+/' ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- an opaque cursor.
		return ( false === $path || '' === $path ) ? null : $path;
	}
}
