import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @gridshare/web` proxies the API to a coordinator on :8080 (`npm start`).
const coordinator = process.env.GRID_COORDINATOR_URL ?? 'http://127.0.0.1:8080';

/*
 * The protocol package also holds Node-only code (the tunnel's binary framing
 * uses Buffer at load time). Its modules have no side effects the browser
 * needs, so the ones this app does not use are left out of the bundle instead
 * of crashing it on load.
 */
const PROTOCOL_DIST = /[\\/]packages[\\/]protocol[\\/]dist[\\/]/;

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      treeshake: { moduleSideEffects: (id: string) => !PROTOCOL_DIST.test(id) },
    },
  },
  server: { proxy: { '/api': { target: coordinator, ws: true } } },
});
