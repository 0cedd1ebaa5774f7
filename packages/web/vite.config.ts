import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @gridshare/web` proxies the API to a coordinator on :8080 (`npm start`).
const coordinator = process.env.GRID_COORDINATOR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: { proxy: { '/api': { target: coordinator, ws: true } } },
});
