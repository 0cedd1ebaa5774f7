/**
 * Errors from the database driver that mean "not reachable", not "you asked wrongly".
 * 08xxx connection, 57P0x shutdown, 55000 "database does not allow connections".
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (/^(08|57P0|55000)/.test(code) || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH)$/.test(code))) {
    return true;
  }
  return /connection terminated|timeout exceeded when trying to connect|Connection terminated|PGlite is closed|Cannot use a pool after calling end/i.test(
    err.message,
  );
}
