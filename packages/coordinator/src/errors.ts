import { ERROR_STATUS, type ErrorCode, RETRYABLE_CODES } from '@gridshare/protocol';

/** A failure with a stable code; the HTTP edge turns it into {"error":{"code","message"}}. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }
}

export const gridNotFound = () => new AppError('grid_not_found', 'no such grid among your grids');
export const processNotFound = () => new AppError('process_not_found', 'no such process in this grid');
/** A heartbeat for a stopped process: the message says why, for the host's log. */
export const processStopped = (p: { stopReason: string | null }) =>
  new AppError(
    'process_stopped',
    p.stopReason === 'force_stopped'
      ? 'a grid owner or admin stopped this process'
      : `this process is stopped${p.stopReason && p.stopReason !== 'stopped' ? ` (${p.stopReason.replaceAll('_', ' ')})` : ''}; start it again to share it`,
  );
