/**
 * `grid status | head -3`: once the reader of our output is gone there is
 * nobody left to tell anything, so a closed stdout or stderr (EPIPE) ends the
 * CLI at once and quietly — with the exit status the command already set,
 * else 0 — instead of with a stack trace. Installed once, for every command.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit();
      throw err;
    });
  }
}
