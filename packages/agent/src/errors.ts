import { ApiError, LOCAL_ERROR_STATUS, type LocalErrorCode } from '@gridshare/protocol';

/** An agent failure with a stable code; the local API answers {"error":{"code","message"}}. */
export class AgentError extends Error {
  override name = 'AgentError';
  readonly status: number;
  constructor(
    readonly code: LocalErrorCode,
    message: string,
  ) {
    super(message);
    this.status = LOCAL_ERROR_STATUS[code];
  }
}

/** Coordinator errors pass through with their code; an unreachable coordinator gets its own. */
export function fromApiError(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err;
  if (err.code === 'network_error') return new AgentError('coordinator_unreachable', err.message);
  if (err.code === 'bad_response') return new AgentError('coordinator_unreachable', `the coordinator gave an unexpected answer: ${err.message}`);
  if (err.code === 'unauthorized') return new AgentError('unauthorized', "the coordinator refused this PC's token; run `grid login` again");
  return new AgentError(err.code, err.message);
}
