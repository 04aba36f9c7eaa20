<?php
/**
 * Autoloading and the plugins_loaded entry point.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Maps MediaOffload\Foo_Bar to inc/class-foo-bar.php and MediaOffload\CLI\Command to inc/cli/class-command.php.
 *
 * @param string $class_name Fully qualified class name.
 */
function autoload( $class_name ) {
	if ( 0 !== strpos( $class_name, __NAMESPACE__ . '\\' ) ) {
		return;
	}
	$parts = explode( '\\', substr( $class_name, strlen( __NAMESPACE__ ) + 1 ) );
	$name  = array_pop( $parts );
	$dir   = __DIR__ . '/' . ( $parts ? strtolower( implode( '/', $parts ) ) . '/' : '' );
	$file  = $dir . 'class-' . strtolower( str_replace( '_', '-', $name ) ) . '.php';
	if ( is_readable( $file ) ) {
		require_once $file;
	}
}

spl_autoload_register( __NAMESPACE__ . '\\autoload' );

/**
 * Starts the plugin. Hooked to plugins_loaded by the bootstrap file.
 */
function bootstrap() {
	Plugin::get_instance()->setup();

	if ( defined( 'WP_CLI' ) && WP_CLI ) {
		\WP_CLI::add_command( 'media-offload', __NAMESPACE__ . '\\CLI\\Command' );
	}
}
