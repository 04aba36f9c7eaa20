<?php
/**
 * The bodies of `wp media-offload remove-local` and `restore-local`.
 *
 * @package MediaOffload
 */

namespace MediaOffload\CLI;

use MediaOffload\Remote_Files;
use MediaOffload\Remote_Restore;
use MediaOffload\Settings;
use WP_CLI;

/**
 * Runs the remote-only commands (docs/remote-only.md, "Operator commands"). Command keeps their documentation, which
 * WP-CLI reads from its methods, and has checked the requirements and settings before calling these.
 */
class Remote_Commands {

	/**
	 * `remove-local [--dry-run] [--limit=<n>]`: the cron run's batches, one after another, over the whole index.
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public static function remove_local( $args, $assoc_args ) {
		$dry_run = ! empty( $assoc_args['dry-run'] );
		$limit   = 0;
		if ( isset( $assoc_args['limit'] ) ) {
			if ( ! ctype_digit( (string) $assoc_args['limit'] ) || (int) $assoc_args['limit'] < 1 ) {
				WP_CLI::error( '--limit must be a whole number of at least 1.' );
			}
			$limit = (int) $assoc_args['limit'];
		}
		if ( ! $dry_run && ! Settings::get( 'remove_local' ) ) {
			WP_CLI::warning( 'Remove local copies is off; removing now anyway, as asked. WP-Cron removes nothing while it is off.' );
		}
		$cursor  = '';
		$files   = 0;
		$bytes   = 0;
		$refused = 0;
		do {
			$batch  = Remote_Files::run_batch( $dry_run, $limit ? min( Remote_Files::BATCH_FILES, $limit - $files ) : Remote_Files::BATCH_FILES, $cursor );
			$cursor = $batch['cursor'];
			foreach ( $batch['removed'] as $file ) {
				WP_CLI::line( sprintf( '%s %s (%d bytes, attachment %d)', $dry_run ? 'would remove' : 'removed', $file['path'], $file['bytes'], $file['attachmentId'] ) );
				++$files;
				$bytes += $file['bytes'];
			}
			foreach ( $batch['refused'] as $path => $reason ) {
				WP_CLI::line( sprintf( 'kept %s: %s', $path, $reason ) );
				++$refused;
			}
			if ( '' !== $batch['problem'] ) {
				WP_CLI::error( sprintf( 'Nothing more was removed: %s. %d files %s before.', $batch['problem'], $files, $dry_run ? 'would have been removed' : 'were removed' ) );
			}
		} while ( ! $batch['done'] && ( ! $limit || $files < $limit ) );
		WP_CLI::success(
			$dry_run
				? sprintf( '%d files would be removed (%s); the service kept %d; nothing was removed.', $files, size_format( $bytes ), $refused )
				: sprintf( 'Removed %d local copies (%s freed); the service kept %d.', $files, size_format( $bytes ), $refused )
		);
	}

	/**
	 * `restore-local [<attachment-id>...] [--all]`.
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public static function restore_local( $args, $assoc_args ) {
		$all = ! empty( $assoc_args['all'] );
		if ( $all && $args ) {
			WP_CLI::error( 'Name attachments or use --all, not both.' );
		}
		if ( ! $all && ! $args ) {
			WP_CLI::error( 'Name the attachments to restore, or use --all.' );
		}
		if ( $all && Settings::get( 'remove_local' ) ) {
			WP_CLI::error( 'Remove local copies is on, so WP-Cron would remove the files again. Turn it off first (Settings > Media Offload, or MEDIA_OFFLOAD_REMOVE_LOCAL in wp-config.php), then run restore-local --all.' );
		}
		$ids = null;
		if ( ! $all ) {
			$ids = array();
			foreach ( $args as $id ) {
				$post = ctype_digit( (string) $id ) ? get_post( (int) $id ) : null;
				if ( ! $post || 'attachment' !== $post->post_type ) {
					WP_CLI::error( sprintf( 'No attachment %s.', $id ) );
				}
				$ids[] = (int) $post->ID;
			}
		}
		$items = Remote_Restore::remote_items( $ids );
		if ( ! $items ) {
			WP_CLI::success( 'No remote-only files to restore.' );
			return;
		}
		$restored = 0;
		$failed   = 0;
		foreach ( Remote_Restore::restore_files( $items ) as $key => $error ) {
			list( $id, $relative ) = explode( ':', $key, 2 );
			if ( '' === $error ) {
				++$restored;
				WP_CLI::line( sprintf( 'restored %s (attachment %d)', $relative, $id ) );
			} else {
				++$failed;
				WP_CLI::line( sprintf( 'failed %s (attachment %d): %s', $relative, $id, $error ) );
			}
		}
		$line = sprintf( '%d restored, %d failed.', $restored, $failed );
		if ( $failed ) {
			WP_CLI::error( $line );
		}
		WP_CLI::success( $line );
	}
}
