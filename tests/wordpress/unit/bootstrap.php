<?php
/**
 * Unit tests load the plugin's pure classes without WordPress.
 *
 * @package MediaOffload
 */

define( 'ABSPATH', sys_get_temp_dir() . '/' );
define( 'MEDIA_OFFLOAD_REPO', dirname( __DIR__, 3 ) );

require_once MEDIA_OFFLOAD_REPO . '/wordpress/media-offload/inc/namespace.php';
