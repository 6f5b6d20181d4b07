import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The gateway serves the build at /studio (one origin). `npm run dev` proxies the APIs to a local gateway.
const gateway = process.env.RIVERFLOW_GATEWAY ?? 'http://127.0.0.1:5001'

export default defineConfig({
  base: '/studio/',
  plugins: [react(), tailwindcss()],
  build: {
    target: 'es2022',
    sourcemap: false,
    // ELK (lazy, worker) is one large chunk by nature; the initial bundle is checked by scripts/report-size.mjs.
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: 'es' },
  server: {
    proxy: { '/v1': gateway, '/console/api': gateway },
  },
})
