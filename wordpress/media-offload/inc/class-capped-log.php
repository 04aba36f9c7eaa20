<?php
/**
 * A short log kept in an option: the newest entry first, the oldest dropped past a cap.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * The sent log (Events) and the removal log (Remote_Files) both keep their last entries this way, for the status
 * panel and `wp media-offload status`.
 */
class Capped_Log {

	/**
	 * Puts an entry first in the log of an option, keeping at most $size entries.
	 *
	 * @param string $option Option name (not autoloaded).
	 * @param array  $entry  The entry.
	 * @param int    $size   Most entries kept.
	 */
	public static function push( $option, array $entry, $size ) {
		$log = get_option( $option, array() );
		$log = is_array( $log ) ? $log : array();
		array_unshift( $log, $entry );
		update_option( $option, array_slice( $log, 0, (int) $size ), false );
	}
}
