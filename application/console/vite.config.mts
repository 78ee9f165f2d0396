import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built by `npm run build` (vite build application/console) into application/console/dist, which each
// institution's node serves at `/` next to its API under /v1. Relative asset paths keep it servable from any prefix.
export default defineConfig({
  plugins: [react()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/v1': 'http://127.0.0.1:7101' } },
});
