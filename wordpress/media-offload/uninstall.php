<?php
/**
 * Removes the plugin's options, tables and scheduled events. Never touches media files or attachments.
 *
 * @package MediaOffload
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

/**
 * Cleans one site.
 */
function media_offload_uninstall_site() {
	global $wpdb;
	foreach ( array( 'media_offload_settings', 'media_offload_log', 'media_offload_last_report', 'media_offload_last_backfill', 'media_offload_schema', 'media_offload_reindex', 'media_offload_removal_log', 'media_offload_removal_problem', 'media_offload_removal_cursor' ) as $option ) {
		delete_option( $option );
	}
	foreach ( array( 'media_offload_dispatch', 'media_offload_sweep', 'media_offload_index', 'media_offload_poll', 'media_offload_report', 'media_offload_remove_local' ) as $hook ) {
		wp_unschedule_hook( $hook );
	}
	// The index and the outbox are the plugin's own bookkeeping; the fingerprint, conflict and status meta are too.
	// Files stay, and so does the uploads folder's .media-offload-remote-only marker: while files are remote-only it
	// keeps `media-offload sync --delete` from deleting their only copy (docs/remote-only.md).
	$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}media_offload_files" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}media_offload_queue" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	delete_post_meta_by_key( '_media_offload_files' );
	delete_post_meta_by_key( '_media_offload_conflicts' );
	// The offload status of each attachment (Job_Status).
	foreach ( array( '_media_offload_status', '_media_offload_state', '_media_offload_next_poll', '_media_offload_proof_requested' ) as $key ) {
		delete_post_meta_by_key( $key );
	}
}

if ( is_multisite() ) {
	// Every site: get_sites() returns 100 unless told otherwise.
	foreach ( get_sites( array( 'fields' => 'ids', 'number' => 0 ) ) as $media_offload_site_id ) {
		switch_to_blog( $media_offload_site_id );
		media_offload_uninstall_site();
		restore_current_blog();
	}
} else {
	media_offload_uninstall_site();
}
