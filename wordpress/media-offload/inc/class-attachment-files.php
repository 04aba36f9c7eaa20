<?php
/**
 * The files of an attachment and their fingerprints.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Lists every file WordPress keeps for an attachment (original, sizes, -scaled, original_image and the backups the
 * image editor keeps) and describes each one for events and the manifest. MD5s are computed once and kept in the
 * attachment's `_media_offload_files` meta; a file is hashed again only when its size or mtime changes.
 */
class Attachment_Files {

	const META = '_media_offload_files';

	/**
	 * Uploads-relative paths (without any sites/N prefix) from attachment data. Pure.
	 *
	 * @param string     $attached_file `_wp_attached_file`, e.g. 2024/05/photo-scaled.jpg.
	 * @param array|null $metadata      `_wp_attachment_metadata`.
	 * @param array|null $backup_sizes  `_wp_attachment_backup_sizes`.
	 * @return string[] Unique, in a stable order: the attached file first. As on disk: not NFC-normalised.
	 */
	public static function paths_from_metadata( $attached_file, $metadata, $backup_sizes = null ) {
		$attached_file = ltrim( str_replace( '\\', '/', (string) $attached_file ), '/' );
		$metadata      = is_array( $metadata ) ? $metadata : array();
		$main          = ! empty( $metadata['file'] ) ? ltrim( (string) $metadata['file'], '/' ) : $attached_file;
		if ( '' === $main ) {
			return array();
		}
		$dir   = dirname( $main );
		$dir   = ( '.' === $dir || '' === $dir ) ? '' : $dir . '/';
		$paths = array( $main );
		if ( '' !== $attached_file ) {
			$paths[] = $attached_file;
		}
		if ( ! empty( $metadata['original_image'] ) ) {
			$paths[] = $dir . basename( (string) $metadata['original_image'] );
		}
		foreach ( array( $metadata['sizes'] ?? array(), is_array( $backup_sizes ) ? $backup_sizes : array() ) as $sizes ) {
			if ( ! is_array( $sizes ) ) {
				continue;
			}
			foreach ( $sizes as $size ) {
				if ( is_array( $size ) && ! empty( $size['file'] ) ) {
					$paths[] = $dir . basename( (string) $size['file'] );
				}
			}
		}
		$clean = array();
		foreach ( $paths as $path ) {
			$path = Paths::clean( $path, false );
			if ( null !== $path ) {
				$clean[ $path ] = true;
			}
		}
		return array_keys( $clean );
	}

	/**
	 * Uploads-relative paths of an attachment, as stored now.
	 *
	 * @param int        $attachment_id Attachment ID.
	 * @param array|null $metadata      Metadata to use instead of the stored one.
	 * @return string[]
	 */
	public static function paths( $attachment_id, $metadata = null ) {
		if ( null === $metadata ) {
			$metadata = wp_get_attachment_metadata( $attachment_id, true );
		}
		return self::paths_from_metadata(
			(string) get_post_meta( $attachment_id, '_wp_attached_file', true ),
			$metadata,
			get_post_meta( $attachment_id, '_wp_attachment_backup_sizes', true )
		);
	}

	/**
	 * Describes every offloadable file of an attachment that exists on disk, or whose local copy was removed after it
	 * was verified in the bucket (a remote-only file, docs/remote-only.md), updating the fingerprint cache.
	 *
	 * @param int        $attachment_id Attachment ID.
	 * @param array|null $metadata      Metadata to use instead of the stored one.
	 * @return array[] Each: path (in the site's key space, Key_Space: with sites/N/ on a subsite; NFC), name (as on
	 *                 disk, without sites/N/), url, size, md5, mime, modified, remote_only (true for a file
	 *                 described from its remote-only record). Sorted by path. Files with a reserved variant name, and
	 *                 files outside the site's key space, are left out.
	 */
	public static function describe( $attachment_id, $metadata = null ) {
		$uploads = wp_upload_dir( null, false );
		if ( ! empty( $uploads['error'] ) ) {
			return array();
		}
		$basedir = untrailingslashit( $uploads['basedir'] );
		$baseurl = untrailingslashit( $uploads['baseurl'] );
		$space   = Key_Space::current();
		$cache   = get_post_meta( $attachment_id, self::META, true );
		$cache   = is_array( $cache ) ? $cache : array();
		$fresh   = array();
		$files   = array();

		foreach ( self::paths( $attachment_id, $metadata ) as $relative ) {
			// A file named like another image's variant key is WordPress's to serve (docs/keys.md).
			if ( ! Paths::is_offloadable( $relative ) || Paths::is_reserved_variant_name( $relative ) ) {
				continue;
			}
			// Outside this site's key space (a main-site file in a subsite's folder): not this site's to send.
			$path = $space->path( $relative );
			if ( null === $path ) {
				continue;
			}
			$full  = $basedir . '/' . $relative;
			$known = isset( $cache[ $relative ] ) ? $cache[ $relative ] : null;
			$entry = self::fingerprint( $full, $known );
			if ( null === $entry ) {
				continue;
			}
			$fresh[ $relative ] = $entry;
			// The key is NFC, as the service makes it; the URL names the file as it is on disk, and so does 'name'
			// (for the index only; Events leaves it out of the event).
			$files[]            = array(
				'path'        => $path,
				'name'        => $relative,
				'url'         => $baseurl . '/' . Paths::encode( $relative ),
				'size'        => (int) $entry['size'],
				'md5'         => (string) $entry['md5'],
				'mime'        => Paths::mime( $relative ),
				'modified'    => Paths::iso_time( (int) $entry['mtime'] ),
				'remote_only' => ! empty( $entry['remote'] ),
			);
		}

		if ( $fresh !== $cache ) {
			update_post_meta( $attachment_id, self::META, $fresh );
		}
		usort(
			$files,
			function ( $a, $b ) {
				return strcmp( $a['path'], $b['path'] );
			}
		);
		return $files;
	}

	/**
	 * One file's fingerprint cache entry, from disk or from its remote-only record. Pure but for the file system.
	 *
	 * A file on disk is described from disk (its MD5 reused while size and mtime are unchanged), and any remote-only
	 * flag is dropped: a copy present again (a restore, or a removal killed before its unlink) is local, and the next
	 * removal run checks it anew. A missing file is kept, with the size, mtime and MD5 recorded when its local copy was
	 * removed, only when it is recorded remote-only; any other missing file is gone.
	 *
	 * @param string     $full  Absolute path.
	 * @param array|null $known Its cache entry: size, mtime, md5, and remote and removed for a remote-only file.
	 * @return array|null size, mtime, md5 (plus remote, removed when remote-only); null when there is no file.
	 */
	public static function fingerprint( $full, $known ) {
		if ( ! is_file( $full ) ) {
			return self::is_remote_record( $known ) ? $known : null;
		}
		$size  = (int) filesize( $full );
		$mtime = (int) filemtime( $full );
		if ( is_array( $known ) && (int) $known['size'] === $size && (int) $known['mtime'] === $mtime && ! empty( $known['md5'] ) ) {
			$md5 = (string) $known['md5'];
		} else {
			$md5 = md5_file( $full );
		}
		if ( false === $md5 ) {
			return null;
		}
		return array(
			'size'  => $size,
			'mtime' => $mtime,
			'md5'   => $md5,
		);
	}

	/**
	 * Whether a cache entry records a remote-only file: the flag, and a size and MD5 to describe it by. Pure.
	 *
	 * @param mixed $entry Cache entry.
	 * @return bool
	 */
	public static function is_remote_record( $entry ) {
		return is_array( $entry ) && ! empty( $entry['remote'] ) && isset( $entry['size'], $entry['mtime'], $entry['md5'] ) && 1 === preg_match( '/^[0-9a-f]{32}$/D', (string) $entry['md5'] );
	}

	/**
	 * Paths (in the site's key space, Key_Space: with sites/N/ on a subsite; NFC) recorded when the attachment was last
	 * described or named by its metadata, without reserved variant names or paths outside the site's key space.
	 * Events::on_delete() narrows them to the paths the attachment may delete.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return string[]
	 */
	public static function known_paths( $attachment_id ) {
		$space   = Key_Space::current();
		$cache   = get_post_meta( $attachment_id, self::META, true );
		$paths   = is_array( $cache ) ? array_keys( $cache ) : array();
		foreach ( self::paths( $attachment_id ) as $path ) {
			if ( Paths::is_offloadable( $path ) ) {
				$paths[] = $path;
			}
		}
		// Never ask for the delete of a variant key on behalf of a file that merely has its name (docs/keys.md).
		$paths = array_filter(
			$paths,
			function ( $p ) {
				return ! Paths::is_reserved_variant_name( $p );
			}
		);
		$paths = array_values(
			array_unique(
				array_filter(
					array_map(
						function ( $p ) use ( $space ) {
							return $space->path( $p );
						},
						$paths
					),
					'is_string'
				)
			)
		);
		sort( $paths, SORT_STRING );
		return $paths;
	}
}
