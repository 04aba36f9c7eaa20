<?php
/**
 * What the plugin needs from PHP before it may run.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * PHP's intl extension is required: without Normalizer the plugin cannot put a path into the NFC form the service
 * keys objects by, so a decomposed (NFD) name would be sent under a key nobody owns and would break the manifest's
 * byte order (docs/keys.md, "Two names, one key"). Activation is refused without it, and a site that loses it later
 * goes inert: it sends nothing, the manifest answers 503 and the outbox is kept for when intl is back.
 */
class Requirements {

	/**
	 * Whether everything the plugin needs is there.
	 *
	 * @return bool
	 */
	public static function met() {
		return Paths::can_normalize();
	}

	/**
	 * What is missing and how to fix it, as plain text.
	 *
	 * @return string
	 */
	public static function message() {
		return sprintf(
			/* translators: %s: PHP version, e.g. 8.2 */
			__( 'Media Offload needs PHP\'s intl extension (the Normalizer class) to put file names into the Unicode NFC form the service keys them by, and it is not loaded. Install and enable it (on Debian or Ubuntu: apt install php%s-intl, then restart PHP). Until then the plugin sends no events and its manifest answers 503; queued events are kept.', 'media-offload' ),
			PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION
		);
	}

	/**
	 * Activation hook: refuses to activate without intl. wp_die() stops activate_plugin() before it records the
	 * plugin as active; wp-admin shows the message with a back link and WP-CLI prints it as an error.
	 */
	public static function on_activate() {
		if ( self::met() ) {
			return;
		}
		wp_die(
			esc_html( self::message() ),
			esc_html__( 'Media Offload was not activated', 'media-offload' ),
			array(
				'response'  => 500,
				'back_link' => true,
			)
		);
	}

	/**
	 * Admin notice while the plugin is active but inert, for those who can fix it.
	 */
	public static function notice() {
		if ( self::met() || ! current_user_can( 'manage_options' ) ) {
			return;
		}
		echo '<div class="notice notice-error" id="media-offload-intl-missing"><p><strong>' . esc_html__( 'Media Offload is inactive.', 'media-offload' ) . '</strong> ' . esc_html( self::message() ) . '</p></div>';
	}
}
