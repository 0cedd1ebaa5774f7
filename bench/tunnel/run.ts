/**
 * The tunnel benchmark: `node --import tsx bench/tunnel/run.ts [--help]`.
 * Prints the results and writes them to docs/benchmarks.md between the
 * tunnel markers (nothing else in that file changes).
 */
import { runTunnelBenchmark } from './benchmark.js';
import { parseOptions, USAGE, UsageError } from './options.js';
import { cpuTable, section, table, verdictLines, writeSection } from './report.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bench/tunnel: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const result = await runTunnelBenchmark(options);
  process.stdout.write(`\n${table(result)}\n\n${verdictLines(result).join('\n')}\n`);
  process.stdout.write(`${cpuTable(result)}\n`);
  if (options.output) {
    await writeSection(options.output, section(result));
    process.stdout.write(`\nwritten to ${options.output}\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench/tunnel failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
