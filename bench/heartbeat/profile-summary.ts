/**
 * Summarises CPU profiles written by `run.ts --profile <dir>`: where the
 * server's time went, by area (package, node internals, our code, GC, idle)
 * and by the hottest functions (self time).
 *
 *   node --import tsx bench/heartbeat/profile-summary.ts <dir> [filter] [--top N]
 *
 * `filter` keeps the files whose name contains it (e.g. pglite-ours).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** Native frames that stand for something more specific. */
const NATIVE: Record<string, string> = {
  dispatch: '(profiler: inspector dispatch)',
  writev: 'socket writes (writev syscall; also where the OS preempts us)',
  writeBuffer: 'file/socket writes',
  writeUtf8String: 'file/socket writes',
  Hash: 'crypto (token SHA-256)',
  digest: 'crypto (token SHA-256)',
  update: 'crypto (token SHA-256)',
  runMicrotasks: 'promise machinery (runMicrotasks)',
};
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Which part of the stack a frame belongs to. */
export function area(url: string, fn: string): string {
  if (!url) {
    if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)') return fn;
    if (NATIVE[fn]) return NATIVE[fn];
    if (/^validate\d*$/.test(fn)) return 'ajv compiled validators';
    if (fn === '' || fn === '(anonymous)' || fn === 'anonymous' || /^\$?main$/.test(fn)) return 'code compiled at run time (serializers, validators)';
    return `native ${fn}`;
  }
  if (url.startsWith('wasm://')) return 'pglite (wasm)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /packages\/(\w+)\/(?:src|dist)\/(.*)$/.exec(url);
  if (m) return `@gridshare/${m[1]} ${m[2]!.replace(/\.[jt]s$/, '')}`;
  if (url.includes('/bench/')) return 'bench';
  return url;
}

export async function summarise(files: string[], top = 25): Promise<string> {
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const f of files) {
    const p = JSON.parse(await readFile(f, 'utf8')) as Profile;
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${area(n.callFrame.url, n.callFrame.functionName)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}:${(n.callFrame as { columnNumber?: number }).columnNumber ?? 0}` : ''}`;
    for (let i = 0; i < p.samples.length; i++) {
      const n = nodes.get(p.samples[i]!);
      const dt = p.timeDeltas[i] ?? 0;
      if (!n) continue;
      const { url, functionName, lineNumber } = n.callFrame;
      const a = area(url, functionName);
      byArea.set(a, (byArea.get(a) ?? 0) + dt);
      const key = `${functionName || '(anonymous)'}  ${a}${url ? `:${lineNumber + 1}` : ''}`;
      byFn.set(key, (byFn.get(key) ?? 0) + dt);
      total += dt;
      const seen = new Set<string>();
      for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
        const k = keyOf(nodes.get(id)!);
        if (seen.has(k)) continue;
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
      }
    }
  }
  const busy = total - (byArea.get('(idle)') ?? 0) - (byArea.get('(profiler: inspector dispatch)') ?? 0);
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `${files.length} profile(s), ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s neither idle nor the profiler (percentages are of that)`,
    '',
    'by area (self time):',
  ];
  const skip = (a: string) => a === '(idle)' || a.startsWith('(profiler');
  for (const [a, us] of [...byArea].filter(([a]) => !skip(a)).sort((x, y) => y[1] - x[1]).slice(0, top)) {
    lines.push(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${a}`);
  }
  lines.push('', `top ${top} functions (self time):`);
  for (const [k, us] of [...byFn].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('dispatch')).sort((x, y) => y[1] - x[1]).slice(0, top)) {
    lines.push(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  }
  lines.push('', `top ${top} of our code, hooks and plugins (inclusive time):`);
  const ours = /@gridshare|prom-client|pino|@fastify\/websocket|bench|@electric-sql|crypto/;
  for (const [k, us] of [...inclusive].filter(([k]) => ours.test(k)).sort((x, y) => y[1] - x[1]).slice(0, top)) {
    lines.push(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
  const [dir, filter = ''] = args;
  if (!dir) {
    process.stderr.write('usage: profile-summary.ts <dir> [filter] [--top N]\n');
    process.exit(2);
  }
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile') && f.includes(filter)).map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`no .cpuprofile files matching '${filter}' in ${dir}`);
  process.stdout.write(`${await summarise(files.sort(), top)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
