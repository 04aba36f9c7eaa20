<?php
/**
 * Plugin Name:       Media Offload
 * Description:       Tells the MediaOffload service about every upload, edit and delete, serves media from the CDN and exposes the signed manifest the reconciler reads.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            MediaOffload
 * License:           GPL-2.0-or-later
 * Text Domain:       media-offload
 *
 * @package MediaOffload
 */

namespace MediaOffload;

defined( 'ABSPATH' ) || exit;

const VERSION     = '0.1.0';
const PLUGIN_FILE = __FILE__;

require_once __DIR__ . '/inc/namespace.php';

// Without intl the plugin cannot key names in NFC (docs/keys.md), so it is not activated at all.
register_activation_hook( __FILE__, array( __NAMESPACE__ . '\\Requirements', 'on_activate' ) );
// Network activation sets up every site's tables (docs/plugin.md, "Multisite").
register_activation_hook( __FILE__, array( __NAMESPACE__ . '\\Network', 'on_activate' ) );
add_action( 'plugins_loaded', __NAMESPACE__ . '\\bootstrap' );
