// The operator app's build: Vue 3 SFCs into dist/operator-app (served by runtime/http/operator-app.ts).
// Run by scripts/build.ts through Vite's JS API; `npx vite --config dashboards/vite.config.ts` serves it
// for development with /api, /auth proxied to a running runtime (HEATGRID_URL, default :1880).
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const target = process.env.HEATGRID_URL ?? 'http://127.0.0.1:1880';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [vue()],
  define: { __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false', __INTLIFY_PROD_DEVTOOLS__: 'false' },
  build: {
    outDir: fileURLToPath(new URL('../dist/operator-app', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or styles anywhere: the app's CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': { target, changeOrigin: false }, '/auth': target } },
});
