<?php
/**
 * Bringing remote-only files back: on demand through WordPress's file filters, and in batches for the CLI.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Restores a remote-only file (docs/remote-only.md, "Bringing a file back"): the path from the attachment's own
 * record, kept inside the uploads folder; a presigned link from `POST /v1/restores` for the object with the recorded
 * size and MD5; a download into `{name}.media-offload-part-{random}` beside the target, checked, then renamed onto it.
 * Remote_Rules decides every step.
 *
 * The filters are added whatever the setting: a file removed while it was on must come back after it was turned off.
 */
class Remote_Restore {

	/** Fires after a download landed in its part file, before it is checked and renamed onto the target. */
	const RESTORING_ACTION = 'media_offload_restoring_local';

	/** Seconds a download may take. */
	const DOWNLOAD_TIMEOUT = 300;

	/**
	 * Whether a restore is running in this request, so nothing it calls restores again.
	 *
	 * @var bool
	 */
	private static $busy = false;

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_filter( 'get_attached_file', array( __CLASS__, 'filter_attached_file' ), 10, 2 );
		add_filter( 'wp_get_original_image_path', array( __CLASS__, 'filter_original_path' ), 10, 2 );
		add_filter( 'load_image_to_edit_path', array( __CLASS__, 'filter_edit_path' ), 10, 3 );
		add_filter( 'load_image_to_edit_filesystempath', array( __CLASS__, 'filter_edit_filesystem_path' ), 10, 3 );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_filter( 'get_attached_file', array( __CLASS__, 'filter_attached_file' ), 10 );
		remove_filter( 'wp_get_original_image_path', array( __CLASS__, 'filter_original_path' ), 10 );
		remove_filter( 'load_image_to_edit_path', array( __CLASS__, 'filter_edit_path' ), 10 );
		remove_filter( 'load_image_to_edit_filesystempath', array( __CLASS__, 'filter_edit_filesystem_path' ), 10 );
	}

	// -- Filters ---------------------------------------------------------------------------------------------------

	/**
	 * get_attached_file: restores a remote-only attached file for callers that read it (see
	 * Remote_Rules::caller_wants_file() for those that do not), unless media_offload_restore_on_demand says no.
	 *
	 * @param string|false $file          Absolute path.
	 * @param int          $attachment_id Attachment ID.
	 * @return string|false Unchanged: the file is there afterwards, or WordPress reports it missing as usual.
	 */
	public static function filter_attached_file( $file, $attachment_id ) {
		self::on_demand( $file, (int) $attachment_id, 'get_attached_file' );
		return $file;
	}

	/**
	 * wp_get_original_image_path: restores the original of a `-scaled` image (or the attached file) for
	 * wp_update_image_subsizes(), the REST image editor and `wp media regenerate`.
	 *
	 * @param string|false $path          Absolute path.
	 * @param int          $attachment_id Attachment ID.
	 * @return string|false
	 */
	public static function filter_original_path( $path, $attachment_id ) {
		self::on_demand( $path, (int) $attachment_id, 'wp_get_original_image_path' );
		return $path;
	}

	/**
	 * load_image_to_edit_path: when WordPress fell back to the attachment's URL because the file was missing, restore
	 * it and hand the editor the local path instead.
	 *
	 * @param string|false $path          Path or URL.
	 * @param int          $attachment_id Attachment ID.
	 * @param string|int[] $size          Size.
	 * @return string|false
	 */
	public static function filter_edit_path( $path, $attachment_id, $size = 'full' ) {
		if ( is_string( $path ) && '' !== $path && ! preg_match( '#^[a-z][a-z0-9+.-]*://#i', $path ) && file_exists( $path ) ) {
			return $path;
		}
		$local = get_attached_file( (int) $attachment_id, true );
		if ( ! is_string( $local ) || '' === $local ) {
			return $path;
		}
		if ( 'full' !== $size ) {
			$data = image_get_intermediate_size( (int) $attachment_id, $size );
			if ( ! $data || empty( $data['file'] ) ) {
				return $path;
			}
			$local = path_join( dirname( $local ), wp_basename( $data['file'] ) );
		}
		$relative = self::relative_of( $local );
		return ( null !== $relative && self::ensure_local( (int) $attachment_id, $relative ) ) ? $local : $path;
	}

	/**
	 * load_image_to_edit_filesystempath: the file of an image size the editor opens.
	 *
	 * @param string       $path          Absolute path.
	 * @param int          $attachment_id Attachment ID.
	 * @param string|int[] $size          Size.
	 * @return string
	 */
	public static function filter_edit_filesystem_path( $path, $attachment_id, $size = '' ) {
		$relative = is_string( $path ) && ! file_exists( $path ) ? self::relative_of( $path ) : null;
		if ( null !== $relative ) {
			self::ensure_local( (int) $attachment_id, $relative );
		}
		return $path;
	}

	/**
	 * The shared part of the two on-demand filters: a missing file, recorded remote-only, that its caller reads.
	 *
	 * @param mixed  $file          Absolute path.
	 * @param int    $attachment_id Attachment ID.
	 * @param string $function      The filtered function, for the caller check.
	 */
	private static function on_demand( $file, $attachment_id, $function ) {
		if ( self::$busy || ! is_string( $file ) || '' === $file || $attachment_id <= 0 || file_exists( $file ) ) {
			return;
		}
		$relative = self::relative_of( $file );
		if ( null === $relative || ! Attachment_Files::is_remote_record( self::record( $attachment_id, $relative ) ) ) {
			return;
		}
		$restore = Remote_Rules::caller_wants_file( debug_backtrace( DEBUG_BACKTRACE_IGNORE_ARGS, 12 ), $function ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_debug_backtrace -- who asks decides whether to fetch.
		/**
		 * Whether to fetch a remote-only file back for this call.
		 *
		 * @param bool   $restore       The plugin's decision (false for callers that only read a name or a size).
		 * @param int    $attachment_id Attachment ID.
		 * @param string $file          Absolute path.
		 */
		if ( apply_filters( 'media_offload_restore_on_demand', $restore, $attachment_id, $file ) ) {
			self::ensure_local( $attachment_id, $relative );
		}
	}

	// -- Restores --------------------------------------------------------------------------------------------------

	/**
	 * Makes sure one file of an attachment is on disk.
	 *
	 * @param int    $attachment_id Attachment ID.
	 * @param string $relative      Path below the site's uploads folder, as on disk.
	 * @return bool True when the file is there (it was, or it was restored); false when it is not recorded
	 *              remote-only or could not be restored.
	 */
	public static function ensure_local( $attachment_id, $relative ) {
		$result = self::restore_files( array( array( (int) $attachment_id, (string) $relative ) ) );
		return '' === reset( $result );
	}

	/**
	 * Restores files, asking the service about up to 100 at a time.
	 *
	 * @param array[] $items Each array( attachment id, relative path as on disk ).
	 * @return array<string,string> "{id}:{relative}" => '' when the file is on disk now, else why not.
	 */
	public static function restore_files( array $items ) {
		$results = array();
		$uploads = wp_upload_dir( null, false );
		$basedir = empty( $uploads['error'] ) ? untrailingslashit( $uploads['basedir'] ) : '';
		$space   = Key_Space::current();
		$ask     = array();
		foreach ( $items as $item ) {
			list( $id, $relative ) = $item;
			$key  = $id . ':' . $relative;
			$full = '' === $basedir ? null : Remote_Rules::contained_path( $basedir, $relative );
			if ( null !== $full && is_file( $full ) ) {
				$results[ $key ] = '';
				continue;
			}
			$record = self::record( $id, $relative );
			$path   = $space->path( $relative );
			if ( ! Attachment_Files::is_remote_record( $record ) ) {
				$results[ $key ] = 'not recorded remote-only';
			} elseif ( null === $full || null === $path ) {
				$results[ $key ] = 'outside the uploads folder';
			} else {
				$ask[ $path ]    = array( $id, $relative, $full, $record, $key );
				$results[ $key ] = 'not restored';
			}
		}
		if ( ! $ask || ! Settings::can_send() || ! Requirements::met() ) {
			return $results;
		}
		self::$busy = true;
		try {
			foreach ( array_chunk( $ask, Remote_Rules::PATHS_PER_CALL, true ) as $chunk ) {
				$answer = Remote_Rules::read_restores( Client::request( 'POST', '/v1/restores', array( 'site' => Remote_Files::site(), 'paths' => array_map( 'strval', array_keys( $chunk ) ) ), 15 ) );
				foreach ( $chunk as $path => $want ) {
					list( $id, $relative, $full, $record, $key ) = $want;
					$refusal = null === $answer ? 'the service gave no restore link' : Remote_Rules::restore_refusal( isset( $answer[ $path ] ) ? $answer[ $path ] : null, $record );
					if ( '' === $refusal ) {
						$refusal = self::download( $id, $relative, (string) $path, $full, $record, $answer[ $path ]['url'], $basedir );
					}
					$results[ $key ] = $refusal;
					Remote_Files::log( '' === $refusal ? 'restored' : 'error', $id, (string) $path, '' === $refusal ? (int) $record['size'] : 0, $refusal );
				}
			}
		} finally {
			self::$busy = false;
		}
		Remote_Records::write_marker();
		return $results;
	}

	/**
	 * Downloads one object beside its target, checks it, and renames it onto the target. On any failure the part file
	 * is deleted and nothing is written at the target.
	 *
	 * @param int    $attachment_id Attachment ID.
	 * @param string $relative      Path below the uploads folder, as on disk.
	 * @param string $path          Key-space path.
	 * @param string $full          Target (contained_path()).
	 * @param array  $record        The remote-only record: size, md5.
	 * @param string $url           Presigned GET URL.
	 * @param string $basedir       Uploads folder.
	 * @return string '' when restored, else why not.
	 */
	private static function download( $attachment_id, $relative, $path, $full, array $record, $url, $basedir ) {
		$dir = dirname( $full );
		// Folders are made only now that the path is known to stay inside, then checked again.
		if ( ! is_dir( $dir ) && ! wp_mkdir_p( $dir ) ) {
			return 'could not create the folder';
		}
		if ( Remote_Rules::contained_path( $basedir, $relative ) !== $full ) {
			return 'outside the uploads folder';
		}
		$name = wp_basename( $full );
		foreach ( (array) scandir( $dir ) as $entry ) {
			if ( is_string( $entry ) && Remote_Rules::is_part_of( $entry, $name ) ) {
				@unlink( $dir . '/' . $entry ); // phpcs:ignore WordPress.PHP.NoSilencedErrors,WordPress.WP.AlternativeFunctions.unlink_unlink -- a leftover of an earlier attempt.
			}
		}
		$part = $full . Remote_Rules::PART_INFIX . bin2hex( random_bytes( 8 ) );
		// The link points at S3 (a loopback address in tests), not at a host an admin typed, so wp_remote_get().
		$response = wp_remote_get(
			$url,
			array(
				'stream'              => true,
				'filename'            => $part,
				'timeout'             => self::DOWNLOAD_TIMEOUT,
				'redirection'         => 0,
				// One byte more than the record: enough to tell a longer body, never a disk filled by a hostile one.
				'limit_response_size' => (int) $record['size'] + 1,
			)
		);
		/**
		 * Fires after a restore's download landed in its part file, before the file is checked and renamed onto the
		 * target.
		 *
		 * @param int    $attachment_id Attachment ID.
		 * @param string $relative      Path below the site's uploads folder, as on disk.
		 * @param string $part          The part file.
		 */
		do_action( self::RESTORING_ACTION, $attachment_id, $relative, $part );
		clearstatcache( true, $part );
		$status  = is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
		$size    = is_file( $part ) ? (int) filesize( $part ) : null;
		$md5     = ( 200 === $status && (int) $size === (int) $record['size'] ) ? md5_file( $part ) : null;
		$refusal = Remote_Rules::download_refusal( $status, $size, false === $md5 ? null : $md5, $record );
		if ( '' === $refusal && ! @rename( $part, $full ) ) { // phpcs:ignore WordPress.PHP.NoSilencedErrors,WordPress.WP.AlternativeFunctions.rename_rename
			$refusal = 'could not move the download into place';
		}
		if ( '' !== $refusal ) {
			if ( file_exists( $part ) ) {
				@unlink( $part ); // phpcs:ignore WordPress.PHP.NoSilencedErrors,WordPress.WP.AlternativeFunctions.unlink_unlink
			}
			if ( is_wp_error( $response ) ) {
				$refusal .= ': ' . $response->get_error_message();
			}
			return $refusal;
		}
		clearstatcache( true, $full );
		Remote_Records::clear_remote(
			$attachment_id,
			$relative,
			$path,
			array(
				'size'  => (int) $record['size'],
				'mtime' => (int) filemtime( $full ),
				'md5'   => strtolower( (string) $record['md5'] ),
			)
		);
		return '';
	}

	/**
	 * Every remote-only file of some attachments, or of the whole site.
	 *
	 * @param int[]|null $attachment_ids Attachments, or null for all.
	 * @return array[] Each array( attachment id, relative path as on disk ).
	 */
	public static function remote_items( $attachment_ids = null ) {
		if ( null === $attachment_ids ) {
			global $wpdb;
			$table = Schema::files_table();
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name only.
			$attachment_ids = array_map( 'intval', (array) $wpdb->get_col( "SELECT DISTINCT attachment_id FROM {$table} WHERE remote_only = 1 ORDER BY attachment_id" ) );
		}
		$items = array();
		foreach ( $attachment_ids as $id ) {
			$meta = get_post_meta( (int) $id, Attachment_Files::META, true );
			foreach ( is_array( $meta ) ? $meta : array() as $relative => $entry ) {
				if ( Attachment_Files::is_remote_record( $entry ) ) {
					$items[] = array( (int) $id, (string) $relative );
				}
			}
		}
		return $items;
	}

	/**
	 * A file's fingerprint record from its attachment's meta.
	 *
	 * @param int    $attachment_id Attachment ID.
	 * @param string $relative      Path below the uploads folder, as on disk.
	 * @return array|null
	 */
	private static function record( $attachment_id, $relative ) {
		$meta = get_post_meta( (int) $attachment_id, Attachment_Files::META, true );
		return is_array( $meta ) && isset( $meta[ $relative ] ) && is_array( $meta[ $relative ] ) ? $meta[ $relative ] : null;
	}

	/**
	 * The path of an absolute file below the site's uploads folder, or null when it is not below it.
	 *
	 * @param string $file Absolute path.
	 * @return string|null
	 */
	private static function relative_of( $file ) {
		$uploads = wp_upload_dir( null, false );
		if ( ! empty( $uploads['error'] ) ) {
			return null;
		}
		$base = trailingslashit( str_replace( '\\', '/', (string) $uploads['basedir'] ) );
		$file = str_replace( '\\', '/', (string) $file );
		if ( 0 !== strpos( $file, $base ) ) {
			return null;
		}
		$relative = substr( $file, strlen( $base ) );
		return Paths::clean( $relative, false ) === $relative ? $relative : null;
	}
}
