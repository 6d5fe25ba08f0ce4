import { defineConfig } from 'vite';

// Static build into dist/ with relative URLs, so the app works from any folder (polytope serve, or any static host).
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000 },
  worker: { format: 'es' },
  oxc: { jsx: { runtime: 'automatic' } },
});
