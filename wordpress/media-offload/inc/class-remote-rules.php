<?php
/**
 * The rules of remote-only files: when a local copy may go, where a restore may write, what a download must be.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Pure decisions for removing local copies and bringing them back (docs/remote-only.md). Remote_Files and
 * Remote_Restore do the WordPress and file-system work and ask these functions every question, so each rule has one
 * implementation that the cron run, the CLI and the filters share.
 */
class Remote_Rules {

	/** The marker file in a site's uploads folder while it has remote-only files (docs/remote-only.md). */
	const MARKER = '.media-offload-remote-only';

	/** The temporary name of a download: {name}.media-offload-part-{random}. */
	const PART_INFIX = '.media-offload-part-';

	/** Paths per POST /v1/removal-checks or /v1/restores. */
	const PATHS_PER_CALL = 100;

	/** A lower-case hex MD5. */
	const MD5 = '/^[0-9a-f]{32}$/D';

	/**
	 * Why a local copy may not be removed, or '' when it may (before the service's own check). Pure.
	 *
	 * In the contract's order: the attachment's last job says the file is uploaded or unchanged and verified, with the
	 * index's MD5 and size; no variant of it is still pending (a request for a variant that reaches WordPress is
	 * answered from the local original until the variant exists); the file is on disk with that size; and hashed
	 * again now, it has that MD5. $disk is called only once everything before it holds, since hashing costs.
	 *
	 * @param array      $row    Index row: path, size, md5.
	 * @param array|null $status The file's entry in its job (Job_Status::normalize_answer()): status, verified, bytes,
	 *                           md5, variants; null when no job names the file.
	 * @param callable   $disk   Returns array( size, md5 ) of the local file now, or null when it is not there.
	 * @return string
	 */
	public static function removal_refusal( array $row, $status, $disk ) {
		if ( ! is_array( $status ) ) {
			return 'no job status names this file';
		}
		if ( ! in_array( $status['status'] ?? '', array( 'uploaded', 'unchanged' ), true ) ) {
			return 'the job says ' . ( isset( $status['status'] ) ? (string) $status['status'] : 'nothing' );
		}
		if ( true !== ( $status['verified'] ?? null ) ) {
			return 'the job did not verify the object';
		}
		if ( ! is_string( $status['md5'] ?? null ) || strtolower( $status['md5'] ) !== strtolower( (string) $row['md5'] ) ) {
			return 'the job verified another MD5';
		}
		if ( ! is_int( $status['bytes'] ?? null ) || $status['bytes'] !== (int) $row['size'] ) {
			return 'the job verified another size';
		}
		foreach ( (array) ( $status['variants'] ?? array() ) as $variant ) {
			if ( is_array( $variant ) && 'pending' === ( $variant['status'] ?? '' ) ) {
				return 'a variant is still pending';
			}
		}
		$now = call_user_func( $disk );
		if ( ! is_array( $now ) ) {
			return 'no local file';
		}
		if ( (int) $now[0] !== (int) $row['size'] ) {
			return 'the local file has another size';
		}
		if ( ! is_string( $now[1] ) || strtolower( $now[1] ) !== strtolower( (string) $row['md5'] ) ) {
			return 'the local file has another MD5';
		}
		return '';
	}

	/**
	 * What a POST /v1/removal-checks answer allows. Only a well-formed 200 allows anything: a body with a boolean
	 * `versioned` and a `files` list whose entries have a string `path` and a boolean `verified`. An unversioned bucket
	 * allows nothing, whatever the files say. Pure.
	 *
	 * @param array    $result Client::request() result: status, body, error.
	 * @param string[] $sent   The paths asked about.
	 * @return array{ok:bool, versioned:bool, verified:array<string,bool>, reasons:array<string,string>, error:string}
	 *         verified: path => true for each path the service verified; reasons: path => why not, for the others.
	 */
	public static function read_removal_checks( array $result, array $sent ) {
		$out  = array(
			'ok'        => false,
			'versioned' => false,
			'verified'  => array(),
			'reasons'   => array(),
			'error'     => '',
		);
		$body = $result['body'] ?? null;
		if ( 200 !== (int) ( $result['status'] ?? 0 ) ) {
			$out['error'] = 0 === (int) ( $result['status'] ?? 0 ) ? 'the service could not be reached: ' . (string) ( $result['error'] ?? '' ) : (string) ( $result['error'] ?? 'HTTP ' . (int) $result['status'] );
			return $out;
		}
		if ( ! is_array( $body ) || ! isset( $body['versioned'] ) || ! is_bool( $body['versioned'] ) || ! isset( $body['files'] ) || ! is_array( $body['files'] ) ) {
			$out['error'] = 'HTTP 200 with an answer that is not a removal check';
			return $out;
		}
		$sent = array_fill_keys( array_map( 'strval', $sent ), true );
		foreach ( $body['files'] as $file ) {
			if ( ! is_array( $file ) || ! isset( $file['path'] ) || ! is_string( $file['path'] ) || ! isset( $file['verified'] ) || ! is_bool( $file['verified'] ) ) {
				$out['error'] = 'HTTP 200 with a malformed file entry';
				$out['verified'] = array();
				$out['reasons']  = array();
				return $out;
			}
			if ( ! isset( $sent[ $file['path'] ] ) ) {
				continue; // Not asked about: never a licence to remove anything.
			}
			if ( $file['verified'] && $body['versioned'] ) {
				$out['verified'][ $file['path'] ] = true;
			} else {
				$out['reasons'][ $file['path'] ] = Job_Status::text( isset( $file['reason'] ) && is_string( $file['reason'] ) && '' !== $file['reason'] ? $file['reason'] : ( $body['versioned'] ? 'not verified' : 'the media bucket is not versioned' ) );
			}
		}
		$out['ok']        = true;
		$out['versioned'] = $body['versioned'];
		if ( ! $body['versioned'] ) {
			$out['verified'] = array();
			$out['error']    = 'the media bucket is not versioned';
		}
		return $out;
	}

	/**
	 * The files of a POST /v1/restores answer, by path, checked: found, a size, an MD5 and an http(s) URL. An entry
	 * that lacks any of them is kept with found false and the reason. Null when the answer is not a well-formed 200.
	 * Pure.
	 *
	 * @param array $result Client::request() result.
	 * @return array<string,array>|null path => array( found, size, md5, url, reason ).
	 */
	public static function read_restores( array $result ) {
		$body = $result['body'] ?? null;
		if ( 200 !== (int) ( $result['status'] ?? 0 ) || ! is_array( $body ) || ! isset( $body['files'] ) || ! is_array( $body['files'] ) ) {
			return null;
		}
		$files = array();
		foreach ( $body['files'] as $file ) {
			if ( ! is_array( $file ) || ! isset( $file['path'] ) || ! is_string( $file['path'] ) ) {
				continue;
			}
			$entry = array(
				'found'  => false,
				'size'   => null,
				'md5'    => null,
				'url'    => '',
				'reason' => '',
			);
			if ( true !== ( $file['found'] ?? null ) ) {
				$entry['reason'] = 'the bucket has no object';
			} elseif ( ! isset( $file['md5'] ) || ! is_string( $file['md5'] ) || 1 !== preg_match( self::MD5, strtolower( $file['md5'] ) ) ) {
				// A multipart object without source-md5: nothing to verify the download against.
				$entry['reason'] = 'the object records no MD5';
			} elseif ( ! isset( $file['size'] ) || ! is_int( $file['size'] ) || $file['size'] < 0 ) {
				$entry['reason'] = 'the answer has no size';
			} elseif ( ! isset( $file['url'] ) || ! is_string( $file['url'] ) || ! preg_match( '#^https?://[^/\s]+#i', $file['url'] ) ) {
				$entry['reason'] = 'the answer has no download URL';
			} else {
				$entry = array(
					'found'  => true,
					'size'   => $file['size'],
					'md5'    => strtolower( $file['md5'] ),
					'url'    => $file['url'],
					'reason' => '',
				);
			}
			$files[ $file['path'] ] = $entry;
		}
		return $files;
	}

	/**
	 * Why the service's answer about a file may not be downloaded onto it, or '' when it may: the object must be the
	 * recorded one, same size and MD5. Pure.
	 *
	 * @param array|null $answer   read_restores() entry, or null when the answer did not name the path.
	 * @param array      $recorded The remote-only record: size, md5.
	 * @return string
	 */
	public static function restore_refusal( $answer, array $recorded ) {
		if ( ! is_array( $answer ) ) {
			return 'the service did not answer for this path';
		}
		if ( empty( $answer['found'] ) ) {
			return '' === (string) $answer['reason'] ? 'the bucket has no object' : (string) $answer['reason'];
		}
		if ( (int) $answer['size'] !== (int) $recorded['size'] ) {
			return sprintf( 'the object has %d bytes, the record %d', (int) $answer['size'], (int) $recorded['size'] );
		}
		if ( (string) $answer['md5'] !== strtolower( (string) $recorded['md5'] ) ) {
			return 'the object has another MD5 than the record';
		}
		return '';
	}

	/**
	 * Why a downloaded part file may not become the file, or '' when it may: HTTP 200, the recorded size, the recorded
	 * MD5. Pure.
	 *
	 * @param int         $http_status HTTP status of the download (0 when it failed).
	 * @param int|null    $size        Bytes of the part file, or null when there is none.
	 * @param string|null $md5         MD5 of the part file, or null.
	 * @param array       $recorded    The remote-only record: size, md5.
	 * @return string
	 */
	public static function download_refusal( $http_status, $size, $md5, array $recorded ) {
		if ( 200 !== (int) $http_status ) {
			return 0 === (int) $http_status ? 'the download failed' : sprintf( 'the download answered HTTP %d', (int) $http_status );
		}
		if ( null === $size || (int) $size !== (int) $recorded['size'] ) {
			return sprintf( 'the download has %s bytes, the record %d', null === $size ? 'no' : (string) (int) $size, (int) $recorded['size'] );
		}
		if ( ! is_string( $md5 ) || strtolower( $md5 ) !== strtolower( (string) $recorded['md5'] ) ) {
			return 'the download has another MD5 than the record';
		}
		return '';
	}

	/**
	 * The absolute path a restore may write for an uploads-relative name, or null when the name could lead out of the
	 * uploads folder: an absolute path, a `..` or `.` or empty segment, a control character, or a directory on the way
	 * (the nearest one that exists) whose real path is outside the real uploads folder, as through a symlink. Pure but
	 * for reading the file system; it creates nothing, so a caller makes missing folders only after it said yes.
	 *
	 * @param string $basedir  The site's uploads folder.
	 * @param string $relative The file's path below it, as on disk.
	 * @return string|null
	 */
	public static function contained_path( $basedir, $relative ) {
		$relative = (string) $relative;
		if ( '' === $relative || '/' === $relative[0] || '\\' === $relative[0] || preg_match( '#^[A-Za-z]:#', $relative ) || false !== strpos( $relative, '\\' ) ) {
			return null;
		}
		if ( Paths::clean( $relative, false ) !== $relative ) {
			return null;
		}
		$root = realpath( (string) $basedir );
		if ( false === $root || ! is_dir( $root ) ) {
			return null;
		}
		$full = rtrim( (string) $basedir, '/' ) . '/' . $relative;
		$dir  = dirname( $full );
		while ( ! file_exists( $dir ) ) {
			$parent = dirname( $dir );
			if ( $parent === $dir ) {
				return null;
			}
			$dir = $parent;
		}
		$real = realpath( $dir );
		if ( false === $real || ! is_dir( $real ) || ( $real !== $root && 0 !== strpos( $real, $root . DIRECTORY_SEPARATOR ) ) ) {
			return null;
		}
		return $full;
	}

	/**
	 * Whether a file name in a folder is a leftover download of a target name: {name}.media-offload-part-{random}. Pure.
	 *
	 * @param string $entry  A name in the target's folder.
	 * @param string $target The target's own name.
	 * @return bool
	 */
	public static function is_part_of( $entry, $target ) {
		$prefix = (string) $target . self::PART_INFIX;
		return strlen( (string) $entry ) > strlen( $prefix ) && 0 === strpos( (string) $entry, $prefix );
	}

	/**
	 * The marker's content: {"files": N, "bytes": B, "updated": ISO 8601 UTC}. Pure.
	 *
	 * @param int $files Remote-only files of the site.
	 * @param int $bytes Their bytes.
	 * @param int $now   Unix seconds.
	 * @return string JSON.
	 */
	public static function marker_content( $files, $bytes, $now ) {
		return (string) json_encode(
			array(
				'files'   => max( 0, (int) $files ),
				'bytes'   => max( 0, (int) $bytes ),
				'updated' => Paths::iso_time( (int) $now ),
			),
			JSON_UNESCAPED_SLASHES
		);
	}

	/**
	 * Whether a get_attached_file() or wp_get_original_image_path() call may fetch a remote-only file, from its direct
	 * caller: not the core code that only reads a file's name or size or deletes it, and not this plugin's own code.
	 * Pure.
	 *
	 * @param array[] $frames   debug_backtrace( DEBUG_BACKTRACE_IGNORE_ARGS ) frames, innermost first.
	 * @param string  $function The filtered function: get_attached_file or wp_get_original_image_path.
	 * @return bool
	 */
	public static function caller_wants_file( array $frames, $function = 'get_attached_file' ) {
		$name_only = array(
			// Listed in docs/remote-only.md: they look at a name or a size, or delete.
			'wp_prepare_attachment_for_js',
			'attachment_submitbox_metadata',
			'wp_delete_attachment',
			// Also name-only in WordPress 6.1 to 6.8: wp_attachment_is() runs for every image a page shows.
			'wp_attachment_is',
			'wp_mime_type_icon',
			'get_attachment_taxonomies',
			'wp_get_attachment_link',
			'get_media_item',
			'image_downsize',
			'column_title',
			// Its own filter, wp_get_original_image_path, restores the original it returns instead.
			'wp_get_original_image_path',
		);
		// The frames before the filtered function are the filter's own (WP_Hook, this plugin's callback); the frame
		// after it is its caller; this plugin's code further out means the plugin itself asked.
		$at = null;
		foreach ( $frames as $i => $frame ) {
			if ( $function === ( $frame['function'] ?? '' ) && ! isset( $frame['class'] ) ) {
				$at = $i;
				break;
			}
		}
		if ( null === $at ) {
			return true;
		}
		// async-upload.php calls get_attached_file() from the file's top level, to print the name.
		$file = str_replace( '\\', '/', (string) ( $frames[ $at ]['file'] ?? '' ) );
		if ( '/wp-admin/async-upload.php' === substr( $file, -strlen( '/wp-admin/async-upload.php' ) ) ) {
			return false;
		}
		foreach ( array_slice( $frames, $at + 1 ) as $frame ) {
			if ( isset( $frame['class'] ) && 0 === strpos( (string) $frame['class'], __NAMESPACE__ . '\\' ) ) {
				return false;
			}
		}
		$caller = isset( $frames[ $at + 1 ] ) ? (string) ( $frames[ $at + 1 ]['function'] ?? '' ) : '';
		return ! in_array( $caller, $name_only, true );
	}
}
