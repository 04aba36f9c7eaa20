<?php
/**
 * Per-request answers from the manifest index about who owns a path, for URL rewriting.
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Tells Url_Rewriter the on-disk name of the file that owns an NFC path (docs/keys.md, "Two names, one key"), with
 * as few queries as a page allows, each cached for the request:
 * - a URL of a known attachment (wp_get_attachment_url, srcset): one query for all the paths that attachment owns,
 *   and a primary-key lookup only for a path it does not own;
 * - an NFC URL in content: one query per request for the few contested paths (those where two names meet);
 * - a decomposed (non-NFC) URL in content: a primary-key lookup.
 */
class Index_Owners {

	/**
	 * Path => owner's name, or null for no row.
	 *
	 * @var array<string,string|null>
	 */
	private $rows = array();

	/**
	 * Attachment id => (path => name).
	 *
	 * @var array<int,array<string,string>>
	 */
	private $attachments = array();

	/**
	 * Path => owner's name, for contested paths; null until loaded.
	 *
	 * @var array<string,string>|null
	 */
	private $contested = null;

	/**
	 * The on-disk name of the owner of a path, or null when the index names no other owner.
	 *
	 * @param string $path          NFC path (with sites/N/).
	 * @param bool   $is_nfc        Whether the URL's own name is that NFC path.
	 * @param int    $attachment_id The URL's attachment, or 0.
	 * @return string|null
	 */
	public function owner_name( $path, $is_nfc, $attachment_id = 0 ) {
		$path = (string) $path;
		if ( $attachment_id > 0 ) {
			if ( ! isset( $this->attachments[ $attachment_id ] ) ) {
				$this->attachments[ $attachment_id ] = Manifest_Index::owned( $attachment_id );
			}
			if ( isset( $this->attachments[ $attachment_id ][ $path ] ) ) {
				return $this->attachments[ $attachment_id ][ $path ];
			}
			return $this->row_name( $path );
		}
		if ( $is_nfc ) {
			if ( null === $this->contested ) {
				$this->contested = Manifest_Index::contested();
			}
			return isset( $this->contested[ $path ] ) ? $this->contested[ $path ] : null;
		}
		return $this->row_name( $path );
	}

	/**
	 * The owner's on-disk name from the path's row.
	 *
	 * @param string $path NFC path.
	 * @return string|null
	 */
	private function row_name( $path ) {
		if ( ! array_key_exists( $path, $this->rows ) ) {
			$row                 = Manifest_Index::owner_row( $path );
			$this->rows[ $path ] = $row ? $row['name'] : null;
		}
		return $this->rows[ $path ];
	}
}
