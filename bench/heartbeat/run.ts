/**
 * The heartbeat benchmark: `node --import tsx bench/heartbeat/run.ts [--help]`
 * (or `npm run bench:heartbeat`). Prints the results and writes them to
 * docs/benchmarks.md between the heartbeat markers.
 */
import { runBenchmark } from './benchmark.js';
import { parseOptions, USAGE, UsageError } from './options.js';
import { section, table, verdictLines, writeSection } from './report.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bench:heartbeat: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const result = await runBenchmark(options);
  process.stdout.write(`\n${table(result)}\n\n${verdictLines(result).join('\n')}\n`);
  if (options.output) {
    await writeSection(options.output, section(result));
    process.stdout.write(`\nwritten to ${options.output}\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:heartbeat failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
