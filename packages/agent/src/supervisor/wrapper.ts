/**
 * Every process runs under this small POSIX sh wrapper, which leads the
 * process's own session and process group. It waits for the command and
 * writes its exit code to a file — also while the agent is down, so a
 * restarted agent can tell how a process ended. SIGTERM/SIGINT/SIGHUP to the
 * wrapper are passed on to the command. Exit codes: the command's own, or
 * 128 + signal number when a signal ended it.
 */
export const WRAPPER_SCRIPT = `
exitfile=$1; shift
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
wait "$child"; code=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done
printf '%s\\n' "$code" > "$exitfile.tmp" && mv "$exitfile.tmp" "$exitfile"
exit "$code"
`;

export const WRAPPER_ARGV0 = 'grid-process';
