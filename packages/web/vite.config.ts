import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// `npm run dev -w @gridshare/web` proxies the API to a coordinator on :8080 (`npm start`).
const coordinator = process.env.GRID_COORDINATOR_URL ?? 'http://127.0.0.1:8080';

/*
 * The protocol package also holds Node-only code (the tunnel's binary framing
 * uses Buffer at load time). Its modules have no side effects the browser
 * needs, so the ones this app does not use are left out of the bundle instead
 * of crashing it on load.
 */
const PROTOCOL_DIST = /[\\/]packages[\\/]protocol[\\/]dist[\\/]/;
const NODE_ONLY = new Set(['./tunnel.js']);

/** The dev server does not tree-shake: there the Node-only modules are replaced by an empty one. */
function skipNodeOnlyProtocol(): Plugin {
  const EMPTY = '\0gridshare-node-only';
  return {
    name: 'gridshare-skip-node-only-protocol',
    apply: 'serve',
    enforce: 'pre',
    resolveId(source, importer) {
      return importer && PROTOCOL_DIST.test(importer) && NODE_ONLY.has(source) ? EMPTY : null;
    },
    load(id) {
      return id === EMPTY ? 'export {};' : null;
    },
  };
}

export default defineConfig({
  plugins: [react(), skipNodeOnlyProtocol()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      treeshake: { moduleSideEffects: (id: string) => !PROTOCOL_DIST.test(id) },
    },
  },
  // Served as it is (not pre-bundled), so the plugin above sees its imports.
  optimizeDeps: { exclude: ['@gridshare/protocol'] },
  server: { proxy: { '/api': { target: coordinator, ws: true } } },
});
