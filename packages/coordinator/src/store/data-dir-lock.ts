import { open, readFile, rm } from 'node:fs/promises';


/** A data directory another live process holds: two embedded databases on one directory would split (and corrupt) it. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes `<dir>.lock` beside the directory (inside, PGlite's first start would
 * find the directory not empty): this process's pid, created exclusively; or
 * throws DataDirInUseError naming the holder. A lock whose process is gone (a
 * crash, kill -9) is taken over. Resolves to the release.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = `${dir.replace(/[/\\]+$/, '')}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => {
        // Only our own: never a lock another process took over after us.
        if ((await readFile(path, 'utf8').catch(() => '')).trim() === String(process.pid)) await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt((await readFile(path, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        const who = holder === process.pid ? 'this process' : `pid ${holder}`;
        throw new DataDirInUseError(`the data directory ${dir} is in use by another coordinator (${who}); stop it, or give this one its own --data-dir`);
      }
      if (attempt > 0) throw new DataDirInUseError(`the data directory ${dir} is being locked by another coordinator starting at the same time; try again`);
      await rm(path, { force: true }); // stale: its process is gone
    }
  }
}
