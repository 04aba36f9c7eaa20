<?php
/**
 * Router for `php -S` serving a subdirectory network: what WordPress's multisite .htaccess rules do on Apache.
 *
 * - an existing file or folder is served as it is;
 * - /{site}/wp-admin, /{site}/wp-content, /{site}/wp-includes and /{site}/*.php are the network's own files, with
 *   REQUEST_URI left as it was, so WordPress finds the site from the path;
 * - anything else goes to index.php.
 *
 * @package MediaOffload
 */

$root = $_SERVER['DOCUMENT_ROOT'];
$path = rawurldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );

/**
 * Runs a PHP file as the script of this request, or serves a static file; false when there is neither.
 *
 * @param string $root   Document root.
 * @param string $script Path below the root, with a leading slash.
 * @return bool
 */
function e2e_serve( $root, $script ) {
	$file = $root . $script;
	if ( is_dir( $file ) ) {
		$script = rtrim( $script, '/' ) . '/index.php';
		$file   = $root . $script;
	}
	if ( ! is_file( $file ) ) {
		return false;
	}
	if ( '.php' === substr( $file, -4 ) ) {
		$_SERVER['SCRIPT_NAME']     = $script;
		$_SERVER['PHP_SELF']        = $script;
		$_SERVER['SCRIPT_FILENAME'] = $file;
		chdir( dirname( $file ) );
		require $file;
		return true;
	}
	$types = array(
		'css'   => 'text/css',
		'js'    => 'application/javascript',
		'jpg'   => 'image/jpeg',
		'jpeg'  => 'image/jpeg',
		'png'   => 'image/png',
		'gif'   => 'image/gif',
		'webp'  => 'image/webp',
		'avif'  => 'image/avif',
		'svg'   => 'image/svg+xml',
		'ico'   => 'image/x-icon',
		'woff'  => 'font/woff',
		'woff2' => 'font/woff2',
	);
	$ext = strtolower( pathinfo( $file, PATHINFO_EXTENSION ) );
	header( 'Content-Type: ' . ( isset( $types[ $ext ] ) ? $types[ $ext ] : 'application/octet-stream' ) );
	header( 'Content-Length: ' . filesize( $file ) );
	readfile( $file );
	return true;
}

if ( '/' !== $path && file_exists( $root . $path ) ) {
	if ( is_dir( $root . $path ) && is_file( rtrim( $root . $path, '/' ) . '/index.php' ) ) {
		return e2e_serve( $root, $path );
	}
	return false;
}
// RewriteRule ^([_0-9a-zA-Z-]+/)?wp-admin$ $1wp-admin/ [R=301,L]
if ( preg_match( '#^/([_0-9a-zA-Z-]+/)?wp-admin$#', $path ) ) {
	header( 'Location: ' . $path . '/', true, 301 );
	return true;
}
// RewriteRule ^([_0-9a-zA-Z-]+/)?(wp-(content|admin|includes).*) $2 and ^([_0-9a-zA-Z-]+/)?(.*\.php)$ $2
if ( preg_match( '#^/[_0-9a-zA-Z-]+(/wp-(?:content|admin|includes).*)$#', $path, $m ) || preg_match( '#^/[_0-9a-zA-Z-]+(/.*\.php)$#', $path, $m ) ) {
	if ( e2e_serve( $root, $m[1] ) ) {
		return true;
	}
}
e2e_serve( $root, '/index.php' );
return true;
