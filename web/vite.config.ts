// The customer web app's dev server and build. The stack sets WEB_PORT, VITE_SUPABASE_URL and
// VITE_SUPABASE_ANON_KEY; VITE_* values may also come from the repository's .env.
import react from '@vitejs/plugin-react'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const port = Number(process.env.WEB_PORT ?? 3000)

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  envDir: fileURLToPath(new URL('..', import.meta.url)),
  plugins: [react()],
  // One dependency cache per stack profile: two dev servers sharing one race while optimizing.
  cacheDir: process.env.VITE_CACHE_DIR ?? 'node_modules/.vite',
  server: { host: '127.0.0.1', port, strictPort: true },
  preview: { host: '127.0.0.1', port, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true },
})
