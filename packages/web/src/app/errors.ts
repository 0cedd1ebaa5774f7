import { ApiError } from '@gridshare/protocol';

/** A sentence for people, with the next step, for any error an API call can throw. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong in this page. Reload it and try again.';
  switch (err.code) {
    case 'network_error':
      return 'Cannot reach the Gridshare server. Check your connection, then try again.';
    case 'invalid_credentials':
      return 'That username and password do not match. Check both and try again.';
    case 'username_taken':
      return 'That username is taken. Pick another one, or log in if it is yours.';
    case 'rate_limited':
      return 'Too many attempts. Wait a minute, then try again.';
    case 'unauthorized':
      return 'Your session has ended. Log in again.';
    case 'forbidden':
      return 'You do not have permission to do that in this grid. Ask its owner.';
    case 'invite_not_found':
      return 'No invite has that code. Check it for typos, or ask for a new one.';
    case 'invite_expired':
      return 'This invite has expired. Ask for a new one.';
    case 'invite_used_up':
      return 'This invite has been used as many times as it allows. Ask for a new one.';
    case 'invite_revoked':
      return 'This invite was revoked. Ask for a new one.';
    case 'owner_must_transfer':
      return 'The owner has to make someone else owner first.';
    case 'service_unavailable':
    case 'internal_error':
      return 'The server had a problem. Try again in a moment.';
    default:
      return err.message.charAt(0).toUpperCase() + err.message.slice(1);
  }
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof ApiError ? err.code : undefined;
}
