<?php
/**
 * Writes a test image with GD: php make-image.php <out.jpg|out.png|out.webp> <width> <height> [seed]
 *
 * @package MediaOffload
 */

list( , $out, $w, $h ) = $argv;
$seed = isset( $argv[4] ) ? (int) $argv[4] : 1;
$w    = (int) $w;
$h    = (int) $h;
$img  = imagecreatetruecolor( $w, $h );
for ( $y = 0; $y < $h; $y += 4 ) {
	$c = imagecolorallocate( $img, ( $y * 255 / $h + $seed * 40 ) % 256, ( 90 + $seed * 70 ) % 256, ( 200 - $y * 120 / $h ) % 256 );
	imagefilledrectangle( $img, 0, $y, $w, $y + 3, $c );
}
for ( $i = 0; $i < 40; $i++ ) {
	$c = imagecolorallocate( $img, ( $i * 37 + $seed ) % 256, ( $i * 91 ) % 256, ( $i * 53 + $seed * 11 ) % 256 );
	imagefilledellipse( $img, ( $i * 997 + $seed * 131 ) % $w, ( $i * 613 ) % $h, 40 + $i * 7, 30 + $i * 5, $c );
}
$ext = strtolower( pathinfo( $out, PATHINFO_EXTENSION ) );
if ( 'png' === $ext ) {
	imagepng( $img, $out, 6 );
} elseif ( 'webp' === $ext ) {
	imagewebp( $img, $out, 80 );
} else {
	imagejpeg( $img, $out, 85 );
}
