// Dashboard 2.0 widget bundles (docs/dashboard2.md). Dashboard 2.0 loads a third-party widget as one UMD
// file from <httpAdminRoot>/resources/<package>/<file> and takes window[<widget type>][<component>], so
// each widget is its own library build (WIDGET env var; scripts/build.ts runs one build per entry of
// WIDGETS). Vue is the dashboard's own (window.Vue). The widgets import the operator app's components
// and libraries directly (dashboards/src); only the app-wide plugins they assume are swapped for small
// stand-ins: vue-i18n → src/shims/vue-i18n.ts, the Pinia prefs store → src/shims/prefs.ts.
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const appStyles = fileURLToPath(new URL('../src/styles.css', import.meta.url));

/** Widget type → UMD entry and the exported component name (must match package.json "node-red-dashboard-2"). */
export const WIDGETS: Record<string, { entry: string; component: string }> = {
  'ui-hg-diagram': { entry: 'src/ui-hg-diagram.ts', component: 'UIHgDiagram' },
  'ui-hg-kpi': { entry: 'src/ui-hg-kpi.ts', component: 'UIHgKpi' },
  'ui-hg-map': { entry: 'src/ui-hg-map.ts', component: 'UIHgMap' },
};

/** The operator app's CSS the widgets need: colour variables scoped to .hg-widget, diagram rules, tile text. */
export function widgetCss(source = readFileSync(appStyles, 'utf8')): string {
  const root = /:root\s*\{([^}]*)\}/.exec(source)?.[1] ?? '';
  const vars = root.split(/;\s*/).filter((d) => d.trim().startsWith('--')).join('; ');
  const rules = source.split('\n').filter((l) => /^\.diagram\b/.test(l));
  const tile = source.split('\n').filter((l) => /^\.(big|muted|map)\s*\{/.test(l)).map((l) => `.hg-widget ${l}`);
  // The map fills its widget (the app's `.map` height is sized for a full page).
  const map = '.hg-widget.hg-map-widget .map { height: 360px; min-height: 0; }';
  return [`.hg-widget { ${vars}; }`, '.hg-widget .hg-caption { margin: 0 0 0.3rem; }', '.hg-widget p { margin: 0.1rem 0; }', ...rules, ...tile, map].join('\n');
}

function widgetCssModule(): Plugin {
  const id = 'virtual:hg-widget-css';
  return {
    name: 'hg-widget-css',
    resolveId: (source) => (source === id ? `\0${id}` : null),
    load: (loaded) => (loaded === `\0${id}` ? `export default ${JSON.stringify(widgetCss())};` : null),
  };
}

/**
 * CSS that a component imports itself (the map: leaflet/dist/leaflet.css and StationMap.vue's <style>) is
 * emitted by Vite as a separate .css file, which Dashboard 2.0 would never load: it is moved into the UMD
 * bundle and put into the page when the bundle runs.
 */
function inlineEmittedCss(widget: string): Plugin {
  return {
    name: 'hg-inline-css',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const css = Object.values(bundle).filter((f) => f.type === 'asset' && f.fileName.endsWith('.css'));
      if (!css.length) return;
      const text = css
        .map((f) => (f as { source: string | Uint8Array }).source)
        .map((source) => (typeof source === 'string' ? source : new TextDecoder().decode(source)))
        .join('\n');
      for (const f of css) delete bundle[f.fileName];
      const entry = Object.values(bundle).find((f) => f.type === 'chunk' && f.isEntry) as { code: string } | undefined;
      if (!entry) return;
      const id = JSON.stringify(`hg-widget-css-${widget}`);
      entry.code = `(function(){if(typeof document!=='undefined'&&!document.getElementById(${id})){var s=document.createElement('style');s.id=${id};s.textContent=${JSON.stringify(text)};document.head.appendChild(s);}})();\n${entry.code}`;
    },
  };
}

const widget = process.env.HEATGRID_WIDGET ?? 'ui-hg-diagram';
const spec = WIDGETS[widget];
if (!spec) throw new Error(`unknown widget ${widget}`);

export default defineConfig({
  root: here,
  plugins: [widgetCssModule(), vue(), inlineEmittedCss(widget)],
  resolve: {
    alias: [
      { find: /^vue-i18n$/, replacement: fileURLToPath(new URL('./src/shims/vue-i18n.ts', import.meta.url)) },
      { find: /^.*\/stores\/prefs\.ts$/, replacement: fileURLToPath(new URL('./src/shims/prefs.ts', import.meta.url)) },
    ],
  },
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard2', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
    reportCompressedSize: false,
    lib: { entry: fileURLToPath(new URL(spec.entry, import.meta.url)), name: widget, formats: ['umd'], fileName: () => `${widget}.umd.js` },
    rollupOptions: { external: ['vue'], output: { globals: { vue: 'Vue' } } },
  },
});
