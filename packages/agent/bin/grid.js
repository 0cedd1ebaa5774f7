#!/usr/bin/env node
// The `grid` command. Built output lives in dist/ (`npm run build` at the repository root).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('grid: not built yet; run `npm run build` in the repository root first\n');
  process.exit(1);
}
await import(main.href);
