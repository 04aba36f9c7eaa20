<?php
/**
 * The Media Library's view of offload status: a list column, the attachment details, and "Send to offload again".
 *
 * @package MediaOffload
 */

namespace MediaOffload;

/**
 * Shows each attachment's Job_Status::view() in the list mode's "Offload" column (with every file in the hover
 * text), in the attachment details of the media modal and the edit screen (one attachment_fields_to_edit field,
 * which WordPress renders in both on 6.1 and later), and adds a row action and a bulk action that queue the
 * attachment's upload event again.
 *
 * Who may resend: a user with upload_files who may edit that attachment (edit_post), so an author resends their own
 * uploads and an editor anyone's. Everything the service or a file name says is escaped where it is printed.
 */
class Media_Column {

	const COLUMN        = 'media_offload';
	const ACTION        = 'media_offload_resend';
	const NOTICE_QUEUED = 'media_offload_queued';
	const NOTICE_DENIED = 'media_offload_denied';
	const NOTICE_NONE   = 'media_offload_nothing';

	/** Files listed in the hover text and the details, at most. */
	const MAX_LISTED = 200;

	/** Characters of a reason shown in the column; the hover text has all of it. */
	const MAX_REASON = 200;

	/**
	 * Adds the hooks.
	 */
	public function setup() {
		add_filter( 'manage_media_columns', array( $this, 'columns' ) );
		add_action( 'manage_media_custom_column', array( $this, 'render_column' ), 10, 2 );
		add_filter( 'media_row_actions', array( $this, 'row_actions' ), 10, 2 );
		add_filter( 'bulk_actions-upload', array( $this, 'bulk_actions' ) );
		add_filter( 'handle_bulk_actions-upload', array( $this, 'handle_bulk' ), 10, 3 );
		add_action( 'admin_post_' . self::ACTION, array( $this, 'handle_row_action' ) );
		add_action( 'admin_notices', array( $this, 'notice' ) );
		add_filter( 'attachment_fields_to_edit', array( $this, 'fields' ), 10, 2 );
		add_action( 'admin_head-upload.php', array( $this, 'styles' ) );
	}

	/**
	 * Removes the hooks.
	 */
	public function tear_down() {
		remove_filter( 'manage_media_columns', array( $this, 'columns' ) );
		remove_action( 'manage_media_custom_column', array( $this, 'render_column' ), 10 );
		remove_filter( 'media_row_actions', array( $this, 'row_actions' ), 10 );
		remove_filter( 'bulk_actions-upload', array( $this, 'bulk_actions' ) );
		remove_filter( 'handle_bulk_actions-upload', array( $this, 'handle_bulk' ), 10 );
		remove_action( 'admin_post_' . self::ACTION, array( $this, 'handle_row_action' ) );
		remove_action( 'admin_notices', array( $this, 'notice' ) );
		remove_filter( 'attachment_fields_to_edit', array( $this, 'fields' ), 10 );
		remove_action( 'admin_head-upload.php', array( $this, 'styles' ) );
	}

	// -- Pure: text and markup ------------------------------------------------------------------------------------

	/**
	 * The one-line status: "Offloaded 6/6 · AVIF 6 · WebP 6", "Pending (2/6)", "Failed: <reason>", "Not offloaded",
	 * with " · 4 remote-only" when local copies were removed. Plain text; escape it where it is printed. Pure but for
	 * translation.
	 *
	 * @param array $view Job_Status::view().
	 * @return string
	 */
	public static function label( array $view ) {
		$label = self::state_label( $view );
		if ( ! empty( $view['remoteOnly'] ) ) {
			/* translators: %d: files whose local copy was removed */
			$label .= ' · ' . sprintf( _n( '%d remote-only', '%d remote-only', (int) $view['remoteOnly'], 'media-offload' ), (int) $view['remoteOnly'] );
		}
		return $label;
	}

	/**
	 * The state part of label(). Pure but for translation.
	 *
	 * @param array $view Job_Status::view().
	 * @return string
	 */
	private static function state_label( array $view ) {
		$counts = $view['counts'];
		switch ( $view['state'] ) {
			case Job_Status::OFFLOADED:
				/* translators: 1: files offloaded, 2: files */
				$label = sprintf( __( 'Offloaded %1$d/%2$d', 'media-offload' ), $counts['offloaded'], $counts['files'] );
				foreach ( array( 'avif' => 'AVIF', 'webp' => 'WebP' ) as $format => $name ) {
					if ( in_array( $format, $view['formats'], true ) || $counts[ $format ] > 0 ) {
						$label .= ' · ' . $name . ' ' . (int) $counts[ $format ];
					}
				}
				return $label;
			case Job_Status::PENDING:
				if ( $view['waiting'] ) {
					return $view['attempts'] > 0
						/* translators: %d: attempts to send the event */
						? sprintf( _n( 'Pending (waiting to send, %d attempt failed)', 'Pending (waiting to send, %d attempts failed)', $view['attempts'], 'media-offload' ), $view['attempts'] )
						: __( 'Pending (waiting to send)', 'media-offload' );
				}
				/* translators: 1: files offloaded so far, 2: files */
				return sprintf( __( 'Pending (%1$d/%2$d)', 'media-offload' ), $counts['offloaded'], $counts['files'] );
			case Job_Status::FAILED:
				$reason = self::reason( $view );
				if ( mb_strlen( $reason, 'UTF-8' ) > self::MAX_REASON ) {
					$reason = mb_substr( $reason, 0, self::MAX_REASON - 1, 'UTF-8' ) . '…';
				}
				/* translators: %s: why */
				return sprintf( __( 'Failed: %s', 'media-offload' ), $reason );
			case Job_Status::UNKNOWN:
				/* translators: %s: why */
				return sprintf( __( 'Unknown: %s', 'media-offload' ), self::reason( $view ) );
			default:
				return __( 'Not offloaded', 'media-offload' );
		}
	}

	/**
	 * Why a view is failed or unknown, in words. Pure but for translation.
	 *
	 * @param array $view Job_Status::view().
	 * @return string
	 */
	public static function reason( array $view ) {
		switch ( $view['reasonCode'] ) {
			case 'stopped':
				return __( 'stopped checking', 'media-offload' );
			case 'not_found':
				return __( 'the service does not know this job (expired, or not this site\'s)', 'media-offload' );
			case 'bad_id':
				return __( 'the service refused the job id', 'media-offload' );
			case 'no_job':
				return __( 'the service named no job', 'media-offload' );
			case 'refused_event':
				/* translators: %s: the service's answer */
				return sprintf( __( 'the service refused the event (%s)', 'media-offload' ), $view['reason'] );
		}
		$reason = '' === $view['reason'] ? __( 'see the files', 'media-offload' ) : $view['reason'];
		foreach ( $view['jobs'] as $job ) {
			if ( 'failed' === $job['state'] && $job['retryable'] && 0 === $view['resendsLeft'] ) {
				/* translators: 1: why, 2: automatic resends */
				return sprintf( __( '%1$s (sent again %2$d times)', 'media-offload' ), $reason, $view['resends'] );
			}
		}
		return $reason;
	}

	/**
	 * One line per file: "2026/12/photo.jpg: uploaded · AVIF made · WebP made (holds original)". Pure but for
	 * translation.
	 *
	 * @param array $file A file of Job_Status::view().
	 * @return string
	 */
	public static function file_line( array $file ) {
		$line = $file['path'] . ': ' . $file['status'] . ( '' === $file['reason'] ? '' : ' (' . $file['reason'] . ')' );
		foreach ( $file['variants'] as $variant ) {
			if ( 'none' === $variant['status'] ) {
				continue;
			}
			$line .= ' · ' . Job_Status::format_name( $variant['format'] ) . ' ' . $variant['status'];
			if ( 'made' === $variant['status'] && '' !== $variant['holds'] && $variant['holds'] !== $variant['format'] ) {
				/* translators: %s: what the variant key holds, e.g. original */
				$line .= ' ' . sprintf( __( '(holds %s)', 'media-offload' ), $variant['holds'] );
			}
			if ( '' !== $variant['reason'] ) {
				$line .= ' (' . $variant['reason'] . ')';
			}
		}
		return $line;
	}

	/**
	 * Lines about the jobs and the outbox. Pure but for translation.
	 *
	 * @param array $view Job_Status::view().
	 * @return string[]
	 */
	public static function job_lines( array $view ) {
		$lines = array();
		if ( $view['waiting'] ) {
			$lines[] = $view['attempts'] > 0
				/* translators: 1: attempts, 2: last error */
				? sprintf( __( 'Waiting in the outbox after %1$d attempts; last error: %2$s', 'media-offload' ), $view['attempts'], $view['reason'] )
				: __( 'Waiting in the outbox to be sent.', 'media-offload' );
		}
		foreach ( $view['jobs'] as $job ) {
			$lines[] = sprintf(
				/* translators: 1: job id, 2: state, 3: sent at, 4: polls, 5: checked at */
				__( 'Job %1$s: %2$s; sent %3$s, %4$d polls, last checked %5$s', 'media-offload' ),
				'' === $job['jobId'] ? '-' : $job['jobId'],
				$job['state'],
				self::time( $job['sentAt'] ),
				$job['polls'],
				$job['checkedAt'] ? self::time( $job['checkedAt'] ) : __( 'never', 'media-offload' )
			) . ( '' === $job['lastError'] ? '' : ' (' . $job['lastError'] . ')' );
		}
		return $lines;
	}

	/**
	 * The hover text: the status, every file and the jobs. Plain text. Pure but for translation.
	 *
	 * @param array $view Job_Status::view().
	 * @return string
	 */
	public static function title( array $view ) {
		$lines = array( self::label( $view ) );
		foreach ( array_slice( $view['files'], 0, self::MAX_LISTED ) as $file ) {
			$lines[] = self::file_line( $file );
		}
		if ( count( $view['files'] ) > self::MAX_LISTED ) {
			/* translators: %d: files not listed */
			$lines[] = sprintf( __( '… and %d more files', 'media-offload' ), count( $view['files'] ) - self::MAX_LISTED );
		}
		return implode( "\n", array_merge( $lines, self::job_lines( $view ) ) );
	}

	/**
	 * The column's cell. Pure but for translation and escaping.
	 *
	 * @param array $view Job_Status::view().
	 * @return string HTML.
	 */
	public static function cell( array $view ) {
		return sprintf(
			'<span class="media-offload-state media-offload-state-%1$s" data-state="%1$s" title="%2$s">%3$s</span>',
			esc_attr( $view['state'] ),
			esc_attr( self::title( $view ) ),
			esc_html( self::label( $view ) )
		);
	}

	/**
	 * The attachment details: the status, each file, the jobs, and the resend link. Pure but for translation and
	 * escaping.
	 *
	 * @param array  $view       Job_Status::view().
	 * @param string $resend_url The row action's URL, or '' when the user may not resend.
	 * @return string HTML.
	 */
	public static function details( array $view, $resend_url = '' ) {
		$html  = '<div class="media-offload-details" data-state="' . esc_attr( $view['state'] ) . '">';
		$html .= '<p class="media-offload-label"><strong>' . esc_html( self::label( $view ) ) . '</strong></p>';
		if ( $view['files'] ) {
			$html .= '<ul class="media-offload-files">';
			foreach ( array_slice( $view['files'], 0, self::MAX_LISTED ) as $file ) {
				$html .= '<li data-status="' . esc_attr( $file['status'] ) . '">' . esc_html( self::file_line( $file ) ) . '</li>';
			}
			$html .= '</ul>';
		}
		foreach ( self::job_lines( $view ) as $line ) {
			$html .= '<p class="description media-offload-job">' . esc_html( $line ) . '</p>';
		}
		if ( '' !== $resend_url ) {
			$html .= '<p><a class="button media-offload-resend" href="' . esc_url( $resend_url ) . '">' . esc_html__( 'Send to offload again', 'media-offload' ) . '</a></p>';
		}
		return $html . '</div>';
	}

	/**
	 * "2026-12-01 15:20:00 UTC". Pure.
	 *
	 * @param int $timestamp Unix seconds.
	 * @return string
	 */
	private static function time( $timestamp ) {
		return gmdate( 'Y-m-d H:i:s', (int) $timestamp ) . ' UTC';
	}

	// -- WordPress: the Media Library ---------------------------------------------------------------------------------

	/**
	 * Adds the column.
	 *
	 * @param string[] $columns Columns.
	 * @return string[]
	 */
	public function columns( $columns ) {
		$columns[ self::COLUMN ] = __( 'Offload', 'media-offload' );
		return $columns;
	}

	/**
	 * Prints a cell.
	 *
	 * @param string $column  Column.
	 * @param int    $post_id Attachment ID.
	 */
	public function render_column( $column, $post_id ) {
		if ( self::COLUMN === $column ) {
			echo self::cell( Job_Status::attachment_view( $post_id ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- cell() escapes every part.
		}
	}

	/**
	 * A little room for the column.
	 */
	public function styles() {
		echo '<style>.fixed .column-media_offload{width:16%}.media-offload-state-failed{color:#b32d2e}.media-offload-state-pending,.media-offload-state-unknown{color:#996800}</style>';
	}

	/**
	 * Whether the current user may send this attachment again.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return bool
	 */
	public static function may_resend( $attachment_id ) {
		$post = get_post( (int) $attachment_id );
		return $post && 'attachment' === $post->post_type && current_user_can( 'upload_files' ) && current_user_can( 'edit_post', $post->ID );
	}

	/**
	 * The row action's URL, with its nonce.
	 *
	 * @param int $attachment_id Attachment ID.
	 * @return string
	 */
	public static function resend_url( $attachment_id ) {
		return wp_nonce_url(
			add_query_arg(
				array(
					'action'     => self::ACTION,
					'attachment' => (int) $attachment_id,
				),
				admin_url( 'admin-post.php' )
			),
			self::ACTION . '_' . (int) $attachment_id
		);
	}

	/**
	 * "Send to offload again" under the file name, for those who may.
	 *
	 * @param string[] $actions Row actions.
	 * @param \WP_Post $post    Attachment.
	 * @return string[]
	 */
	public function row_actions( $actions, $post ) {
		if ( Settings::can_send() && self::may_resend( $post->ID ) ) {
			$actions[ self::ACTION ] = '<a href="' . esc_url( self::resend_url( $post->ID ) ) . '">' . esc_html__( 'Send to offload again', 'media-offload' ) . '</a>';
		}
		return $actions;
	}

	/**
	 * The bulk action, for those who upload.
	 *
	 * @param string[] $actions Bulk actions.
	 * @return string[]
	 */
	public function bulk_actions( $actions ) {
		if ( Settings::can_send() && current_user_can( 'upload_files' ) ) {
			$actions[ self::ACTION ] = __( 'Send to offload again', 'media-offload' );
		}
		return $actions;
	}

	/**
	 * Queues each attachment the user may resend; counts the others.
	 *
	 * @param int[] $ids Attachment IDs.
	 * @return array{queued:int, denied:int, nothing:int}
	 */
	private static function resend_all( array $ids ) {
		$out = array(
			'queued'  => 0,
			'denied'  => 0,
			'nothing' => 0,
		);
		foreach ( array_unique( array_map( 'absint', $ids ) ) as $id ) {
			if ( ! $id || ! self::may_resend( $id ) ) {
				++$out['denied'];
			} elseif ( Job_Status::resend_by_hand( $id, false ) ) {
				++$out['queued'];
			} else {
				++$out['nothing'];
			}
		}
		// Once, after the last: see Events::resend().
		if ( $out['queued'] ) {
			Events::wake();
		}
		return $out;
	}

	/**
	 * The bulk action. upload.php has checked the bulk-media nonce before it calls this; it is checked again so the
	 * handler stands on its own.
	 *
	 * @param string $location Redirect.
	 * @param string $action   Bulk action.
	 * @param int[]  $ids      Attachment IDs.
	 * @return string
	 */
	public function handle_bulk( $location, $action, $ids ) {
		if ( self::ACTION !== $action ) {
			return $location;
		}
		check_admin_referer( 'bulk-media' );
		if ( ! current_user_can( 'upload_files' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'media-offload' ), 403 );
		}
		$out = self::resend_all( (array) $ids );
		return add_query_arg(
			array(
				self::NOTICE_QUEUED => $out['queued'],
				self::NOTICE_DENIED => $out['denied'],
				self::NOTICE_NONE   => $out['nothing'],
			),
			remove_query_arg( array( self::NOTICE_QUEUED, self::NOTICE_DENIED, self::NOTICE_NONE ), $location )
		);
	}

	/**
	 * The row action (admin-post.php): nonce per attachment, then the same rules as the bulk action.
	 */
	public function handle_row_action() {
		$id = isset( $_GET['attachment'] ) ? absint( $_GET['attachment'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- checked next.
		check_admin_referer( self::ACTION . '_' . $id );
		if ( ! self::may_resend( $id ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to send this attachment again.', 'media-offload' ), 403 );
		}
		$out      = self::resend_all( array( $id ) );
		// Back to where the link was: the Media Library or the edit screen.
		$referer  = (string) wp_get_referer();
		$location = preg_match( '#/wp-admin/(upload|post)\.php#', $referer ) ? $referer : admin_url( 'upload.php?mode=list' );
		wp_safe_redirect(
			add_query_arg(
				array(
					self::NOTICE_QUEUED => $out['queued'],
					self::NOTICE_DENIED => $out['denied'],
					self::NOTICE_NONE   => $out['nothing'],
				),
				remove_query_arg( array( self::NOTICE_QUEUED, self::NOTICE_DENIED, self::NOTICE_NONE ), $location )
			)
		);
		exit;
	}

	/**
	 * Says what a resend did, on the Media Library and the edit screen.
	 */
	public function notice() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- display only, numbers only.
		if ( ! isset( $_GET[ self::NOTICE_QUEUED ] ) ) {
			return;
		}
		$queued  = absint( $_GET[ self::NOTICE_QUEUED ] );
		$denied  = isset( $_GET[ self::NOTICE_DENIED ] ) ? absint( $_GET[ self::NOTICE_DENIED ] ) : 0;
		$nothing = isset( $_GET[ self::NOTICE_NONE ] ) ? absint( $_GET[ self::NOTICE_NONE ] ) : 0;
		// phpcs:enable
		/* translators: %d: attachments */
		$parts = array( sprintf( _n( '%d attachment queued to be sent to offload again.', '%d attachments queued to be sent to offload again.', $queued, 'media-offload' ), $queued ) );
		if ( $denied ) {
			/* translators: %d: attachments */
			$parts[] = sprintf( _n( '%d skipped: you may not edit it.', '%d skipped: you may not edit them.', $denied, 'media-offload' ), $denied );
		}
		if ( $nothing ) {
			/* translators: %d: attachments */
			$parts[] = sprintf( _n( '%d has no file that can be offloaded.', '%d have no file that can be offloaded.', $nothing, 'media-offload' ), $nothing );
		}
		printf( '<div id="media-offload-resend-notice" class="notice notice-%s is-dismissible"><p>%s</p></div>', esc_attr( $denied || $nothing ? 'warning' : 'success' ), esc_html( implode( ' ', $parts ) ) );
	}

	/**
	 * The status in the attachment details: the media modal and the edit screen.
	 *
	 * @param array    $fields Fields.
	 * @param \WP_Post $post   Attachment.
	 * @return array
	 */
	public function fields( $fields, $post ) {
		if ( ! $post || ! current_user_can( 'upload_files' ) ) {
			return $fields;
		}
		$url                    = Settings::can_send() && self::may_resend( $post->ID ) ? self::resend_url( $post->ID ) : '';
		$fields[ self::COLUMN ] = array(
			'label' => esc_html__( 'Offload', 'media-offload' ),
			'input' => 'html',
			'html'  => self::details( Job_Status::attachment_view( $post->ID ), $url ),
		);
		return $fields;
	}
}
