// Preloaded with `--require` (NODE_OPTIONS) by `run.ts --profile DIR`: Node refuses --cpu-prof in
// NODE_OPTIONS, so the profile is taken through the inspector. The first SIGUSR2 starts it, the
// second writes $GRID_BENCH_PROFILE_DIR/<pid>.cpuprofile (so only the measured rounds are in it);
// a process that exits while profiling writes it then.
const { Session } = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.GRID_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  let running = false;
  const stop = () => {
    if (!running) return;
    running = false;
    // Same-thread inspector sessions answer synchronously, so this also works in 'exit'.
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  };
  process.on('SIGUSR2', () => {
    if (running) return stop();
    running = true;
    session.post('Profiler.start');
  });
  process.on('exit', stop);
}
