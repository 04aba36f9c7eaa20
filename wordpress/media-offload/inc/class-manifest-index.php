<?php
/**
 * The manifest index: one row per offloadable file, in byte order of path, and the record of who owns each path.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Keeps a table of every file of the media library so the manifest can be paged in S3's order without loading the
 * whole library. Rows come from the attachment meta Attachment_Files maintains.
 *
 * The table is also the plugin's owner record (docs/keys.md, "Two names, one key"): one row per NFC path, and the
 * first attachment to index a path owns it until it is deleted or stops having that file. A row is never replaced by
 * another attachment's file. An attachment whose file normalises to a taken path gets no row; the conflict is kept
 * in its CONFLICTS_META (path => owner id) and the owner's row is marked `contested`, so URL rewriting knows to
 * compare names for that path.
 */
class Manifest_Index {

	/** Attachment meta: NFC path => id of the attachment that owns it, for the files this one could not claim. */
	const CONFLICTS_META = '_media_offload_conflicts';

	/** Option: the last attachment id re-described after a schema upgrade; absent when no re-index is due. */
	const REINDEX_OPTION = 'media_offload_reindex';

	/** Fires after the index changed, so per-request ownership caches are dropped. */
	const CHANGED_ACTION = 'media_offload_index_changed';

	/**
	 * Splits an attachment's files into those it owns and those another attachment owns. Pure.
	 *
	 * @param int     $attachment_id Attachment ID.
	 * @param array[] $files         Attachment_Files::describe() output (each with an NFC 'path').
	 * @param int[]   $owners        NFC path => owner attachment id, as the index holds them now.
	 * @return array{owned: array[], conflicts: array<string,int>}
	 */
	public static function partition( $attachment_id, array $files, array $owners ) {
		$owned     = array();
		$conflicts = array();
		foreach ( $files as $file ) {
			$path = (string) $file['path'];
			if ( isset( $owners[ $path ] ) && (int) $owners[ $path ] !== (int) $attachment_id ) {
				$conflicts[ $path ] = (int) $owners[ $path ];
			} elseif ( isset( $owners[ $path ] ) ) {
				$owned[] = $file;
			}
		}
		return array(
			'owned'     => $owned,
			'conflicts' => $conflicts,
		);
	}

	/**
	 * Indexes one attachment's files and records its conflicts. Events, the backfill indexer and the re-index after
	 * an upgrade all go through here, so the ownership rule has one implementation.
	 *
	 * @param int     $attachment_id Attachment ID.
	 * @param array[] $files         Attachment_Files::describe() output.
	 * @return array{owned: array[], conflicts: array<string,int>, claimed: string[]} The files it owns (only these
	 *         go into its events), the paths another attachment owns, and the paths it owns now but did not before.
	 */
	public static function index_attachment( $attachment_id, array $files ) {
		$attachment_id = (int) $attachment_id;
		$before        = self::owned_paths( $attachment_id );
		$owners        = self::sync( $attachment_id, $files );
		$result        = self::partition( $attachment_id, $files, $owners );
		$owned_paths   = array_map(
			function ( $file ) {
				return (string) $file['path'];
			},
			$result['owned']
		);
		$result['claimed'] = array_values( array_diff( $owned_paths, $before ) );
		if ( $result['conflicts'] ) {
			update_post_meta( $attachment_id, self::CONFLICTS_META, $result['conflicts'] );
		} else {
			delete_post_meta( $attachment_id, self::CONFLICTS_META );
		}
		do_action( self::CHANGED_ACTION );
		return $result;
	}

	/**
	 * Writes the rows of one attachment without ever taking a path another attachment holds.
	 *
	 * A new path is inserted; a path this attachment holds is updated; a path another attachment holds is left as it
	 * is (INSERT … ON DUPLICATE KEY UPDATE that only changes the row when attachment_id matches, so of two requests
	 * claiming one path at once, the first insert wins). Rows of paths the attachment no longer has are removed.
	 *
	 * @param int     $attachment_id Attachment ID.
	 * @param array[] $files         Attachment_Files::describe() output.
	 * @return int[] NFC path => owner id for every path in $files, after the write.
	 */
	public static function sync( $attachment_id, array $files ) {
		global $wpdb;
		$table         = Schema::files_table();
		$attachment_id = (int) $attachment_id;
		$paths         = array();
		$values        = array();
		foreach ( $files as $file ) {
			$path = (string) $file['path'];
			if ( isset( $paths[ $path ] ) || Paths::is_reserved_variant_name( $path ) ) {
				continue;
			}
			$paths[ $path ] = true;
			$values[]       = $wpdb->prepare( '(%s, %d, %s, %d, %s, %s, %d, 0, %d)', $path, $attachment_id, (string) $file['name'], (int) $file['size'], (string) $file['md5'], (string) $file['mime'], (int) strtotime( $file['modified'] ), empty( $file['remote_only'] ) ? 0 : 1 );
		}
		$paths = array_keys( $paths );
		if ( $values ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared,WordPress.DB.PreparedSQL.NotPrepared -- table name only; every value was prepared above.
			$wpdb->query(
				"INSERT INTO {$table} (path, attachment_id, name, size, md5, mime, modified, contested, remote_only) VALUES " . implode( ', ', $values ) . '
				ON DUPLICATE KEY UPDATE
				name = IF(attachment_id = VALUES(attachment_id), VALUES(name), name),
				size = IF(attachment_id = VALUES(attachment_id), VALUES(size), size),
				md5 = IF(attachment_id = VALUES(attachment_id), VALUES(md5), md5),
				mime = IF(attachment_id = VALUES(attachment_id), VALUES(mime), mime),
				modified = IF(attachment_id = VALUES(attachment_id), VALUES(modified), modified),
				remote_only = IF(attachment_id = VALUES(attachment_id), VALUES(remote_only), remote_only)'
			);
		}
		// The attachment stopped having these files: it no longer owns their paths.
		if ( $paths ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared,WordPress.DB.PreparedSQL.NotPrepared -- table name and placeholders only.
			$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE attachment_id = %d AND path NOT IN (" . implode( ', ', array_fill( 0, count( $paths ), '%s' ) ) . ')', array_merge( array( $attachment_id ), $paths ) ) );
		} else {
			self::remove( $attachment_id );
		}
		$owners = self::owners( $paths );
		$taken  = array();
		foreach ( $owners as $path => $owner ) {
			if ( $owner !== $attachment_id ) {
				$taken[] = $path;
			}
		}
		if ( $taken ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared,WordPress.DB.PreparedSQL.NotPrepared -- table name and placeholders only.
			$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET contested = 1 WHERE path IN (" . implode( ', ', array_fill( 0, count( $taken ), '%s' ) ) . ')', $taken ) );
		}
		return $owners;
	}

	/**
	 * The owner of each of these paths that has a row.
	 *
	 * @param string[] $paths NFC paths (with sites/N/).
	 * @return int[] path => attachment id.
	 */
	public static function owners( array $paths ) {
		global $wpdb;
		$paths = array_values( array_unique( array_map( 'strval', $paths ) ) );
		if ( ! $paths ) {
			return array();
		}
		$table = Schema::files_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared,WordPress.DB.PreparedSQL.NotPrepared -- table name and placeholders only.
		$rows   = $wpdb->get_results( $wpdb->prepare( "SELECT path, attachment_id FROM {$table} WHERE path IN (" . implode( ', ', array_fill( 0, count( $paths ), '%s' ) ) . ')', $paths ), ARRAY_A );
		$owners = array();
		foreach ( (array) $rows as $row ) {
			$owners[ (string) $row['path'] ] = (int) $row['attachment_id'];
		}
		return $owners;
	}

	/**
	 * The row of one path: its owner and the owner's on-disk name.
	 *
	 * @param string $path NFC path (with sites/N/).
	 * @return array{attachment_id:int, name:string}|null
	 */
	public static function owner_row( $path ) {
		global $wpdb;
		$table = Schema::files_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT attachment_id, name FROM {$table} WHERE path = %s", (string) $path ), ARRAY_A );
		return $row ? array(
			'attachment_id' => (int) $row['attachment_id'],
			'name'          => (string) $row['name'],
		) : null;
	}

	/**
	 * Paths one attachment owns, with the owner's on-disk name.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return string[] NFC path => on-disk name (relative to the site's uploads directory).
	 */
	public static function owned( $attachment_id ) {
		global $wpdb;
		$table = Schema::files_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT path, name FROM {$table} WHERE attachment_id = %d", (int) $attachment_id ), ARRAY_A );
		$owned = array();
		foreach ( (array) $rows as $row ) {
			$owned[ (string) $row['path'] ] = (string) $row['name'];
		}
		return $owned;
	}

	/**
	 * Paths one attachment owns.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return string[]
	 */
	public static function owned_paths( $attachment_id ) {
		return array_map( 'strval', array_keys( self::owned( $attachment_id ) ) );
	}

	/**
	 * Paths whose owner's on-disk name differs from another attachment's file of the same NFC path.
	 *
	 * @return string[] NFC path => the owner's on-disk name.
	 */
	public static function contested() {
		global $wpdb;
		$table = Schema::files_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$rows = $wpdb->get_results( "SELECT path, name FROM {$table} WHERE contested = 1", ARRAY_A );
		$map  = array();
		foreach ( (array) $rows as $row ) {
			$map[ (string) $row['path'] ] = (string) $row['name'];
		}
		return $map;
	}

	/**
	 * Removes the rows of one attachment, which frees its paths for the next attachment that describes such a file.
	 *
	 * @param int $attachment_id Attachment ID.
	 */
	public static function remove( $attachment_id ) {
		global $wpdb;
		$wpdb->delete( Schema::files_table(), array( 'attachment_id' => (int) $attachment_id ), array( '%d' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		do_action( self::CHANGED_ACTION );
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
			self::index_attachment( (int) $id, $files );
		}
		return count( $ids );
	}

	/**
	 * After an upgrade from schema 1: every row gets the on-disk name its path had before normalisation. Names that
	 * were already NFC (nearly all) are right at once, so the manifest stays complete; re-describing every attachment
	 * afterwards (reindex_batch) corrects decomposed names and records the conflicts schema 1 could not.
	 */
	public static function upgrade_from_v1() {
		global $wpdb;
		$prefix = Key_Space::current()->prefix();
		$table  = Schema::files_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET name = SUBSTRING(path, %d) WHERE name = ''", strlen( $prefix ) + 1 ) );
		update_option( self::REINDEX_OPTION, 0, false );
	}

	/**
	 * Re-describes the next attachments after a schema upgrade, in id order, without sending anything.
	 *
	 * @param int $limit Most attachments in this call.
	 * @return int How many were re-described; 0 when no re-index is due or it just finished.
	 */
	public static function reindex_batch( $limit = 200 ) {
		global $wpdb;
		$after = get_option( self::REINDEX_OPTION );
		if ( false === $after ) {
			return 0;
		}
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$ids = $wpdb->get_col(
			$wpdb->prepare(
				"SELECT p.ID FROM {$wpdb->posts} p INNER JOIN {$wpdb->postmeta} m ON m.post_id = p.ID AND m.meta_key = %s
				WHERE p.post_type = 'attachment' AND p.ID > %d ORDER BY p.ID LIMIT %d",
				Attachment_Files::META,
				(int) $after,
				(int) $limit
			)
		);
		foreach ( $ids as $id ) {
			self::index_attachment( (int) $id, Attachment_Files::describe( (int) $id ) );
		}
		if ( count( $ids ) < $limit ) {
			delete_option( self::REINDEX_OPTION );
		} else {
			update_option( self::REINDEX_OPTION, (int) end( $ids ), false );
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
		$table   = Schema::files_table();
		$uploads = wp_upload_dir( null, false );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT path, attachment_id, name, size, md5, mime, modified, remote_only FROM {$table} WHERE path > %s ORDER BY path ASC LIMIT %d", (string) $after, (int) $limit + 1 ), ARRAY_A );
		return self::shape_page( (array) $rows, $limit, untrailingslashit( (string) $uploads['baseurl'] ), Key_Space::current() );
	}

	/**
	 * Turns up to $limit + 1 index rows, sorted by path, into a manifest page. Pure.
	 *
	 * Each entry's `url` is the file as WordPress serves it: the uploads base URL and the owner's on-disk name,
	 * percent-encoded per segment exactly like an event's `url`. The service fetches decomposed (NFD) names through
	 * it and records the owner's on-disk name from it (docs/keys.md).
	 *
	 * A remote-only row (its local copy removed, docs/remote-only.md) carries `"remoteOnly": true` and the size and MD5
	 * recorded at removal, so the reconciler neither fetches it from WordPress nor counts it as drift.
	 *
	 * @param array[]          $rows    Rows: path, attachment_id, name, size, md5, mime, modified, remote_only.
	 * @param int              $limit   Page size.
	 * @param string           $baseurl Uploads base URL of the site, without trailing slash.
	 * @param Key_Space|string $space   The site's key space, or its prefix ("sites/N/" on a subsite, else "").
	 * @return array{files: array[], next: string|null}
	 */
	public static function shape_page( array $rows, $limit, $baseurl, $space ) {
		$space = Key_Space::of( $space );
		$more  = count( $rows ) > $limit;
		$rows  = array_slice( $rows, 0, $limit );
		$files = array();
		foreach ( $rows as $row ) {
			$path = (string) $row['path'];
			// Rows indexed before the reserved-name rule are dropped by the re-index; never list one meanwhile. Nor a
			// row outside the site's key space: the manifest lists this site's files only (docs/plugin.md, "Multisite").
			$relative = $space->relative( $path );
			if ( Paths::is_reserved_variant_name( $path ) || null === $relative ) {
				continue;
			}
			$name    = isset( $row['name'] ) && '' !== (string) $row['name'] ? (string) $row['name'] : $relative;
			$entry = array(
				'path'         => $path,
				'url'          => rtrim( (string) $baseurl, '/' ) . '/' . Paths::encode( $name ),
				'size'         => (int) $row['size'],
				'md5'          => (string) $row['md5'],
				'mime'         => (string) $row['mime'],
				'modified'     => Paths::iso_time( (int) $row['modified'] ),
				'attachmentId' => (int) $row['attachment_id'],
			);
			if ( ! empty( $row['remote_only'] ) ) {
				$entry['remoteOnly'] = true;
			}
			$files[] = $entry;
		}
		// The cursor is the last row read, listed or not, so the next page starts strictly after it.
		return array(
			'files' => $files,
			'next'  => ( $more && $rows ) ? (string) end( $rows )['path'] : null,
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
