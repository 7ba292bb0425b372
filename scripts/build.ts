// Build: type-check and compile runtime/, nodes/ (and tests) with tsc, then copy the files that travel
// with compiled nodes (editor .html, locales/, icons/) and runtime data files (.json, .hbs) into dist/.
// `--if-stale` skips the work when nothing under the source folders is newer than the last build.
// The operator app (dashboards/) is built by Vite's JS API into dist/operator-app, only when a file under
// dashboards/ is newer than the app's own stamp (so a runtime-only change never waits for Vite).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const sourceDirs = ['runtime', 'nodes', 'test', 'bench', 'scripts'];
const assetPattern = /\.(html|json|hbs|svg|png|css)$/;
const args = new Set(process.argv.slice(2));

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

function newestSourceMtime(): number {
  let newest = statSync(join(root, 'tsconfig.json')).mtimeMs;
  for (const dir of sourceDirs) for (const f of walk(join(root, dir))) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest;
}

const appDir = join(root, 'dashboards');
const appStamp = join(dist, 'operator-app', '.build-stamp');

function newestAppMtime(): number {
  let newest = 0;
  for (const f of walk(appDir)) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest;
}

async function buildApp(): Promise<void> {
  if (!existsSync(join(appDir, 'vite.config.ts'))) return;
  if (existsSync(appStamp) && statSync(appStamp).mtimeMs >= newestAppMtime()) return;
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(appDir, 'vite.config.ts'), logLevel: args.has('--quiet') ? 'error' : 'warn' });
  writeFileSync(appStamp, new Date().toISOString());
  if (!args.has('--quiet')) console.log(`build: operator app built into dist/operator-app in ${Date.now() - started} ms`);
}

// Dashboard 2.0 widgets (dashboards/dashboard2): one Vite library build per widget into dist/dashboard2, each
// a UMD bundle the dashboard loads; rebuilt when anything under dashboards/ changed (they reuse its components).
const widgetDir = join(appDir, 'dashboard2');
const widgetStamp = join(dist, 'dashboard2', '.build-stamp');

async function buildWidgets(): Promise<void> {
  if (!existsSync(join(widgetDir, 'vite.config.ts'))) return;
  if (existsSync(widgetStamp) && statSync(widgetStamp).mtimeMs >= newestAppMtime()) return;
  const started = Date.now();
  const { build } = await import('vite');
  const configFile = join(widgetDir, 'vite.config.ts');
  const { WIDGETS } = (await import(pathToFileURL(configFile).href)) as { WIDGETS: Record<string, unknown> };
  for (const widget of Object.keys(WIDGETS)) {
    process.env.HEATGRID_WIDGET = widget;
    await build({ configFile, logLevel: args.has('--quiet') ? 'error' : 'warn' });
  }
  delete process.env.HEATGRID_WIDGET;
  writeFileSync(widgetStamp, new Date().toISOString());
  if (!args.has('--quiet')) console.log(`build: ${Object.keys(WIDGETS).length} Dashboard 2.0 widgets built into dist/dashboard2 in ${Date.now() - started} ms`);
}

if (args.has('--if-stale') && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSourceMtime()) {
  await buildApp();
  await buildWidgets();
  process.exit(0);
}

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('build: TypeScript reported errors (see above)');
  process.exit(tsc.status ?? 1);
}

let copied = 0;
for (const dir of ['runtime', 'nodes']) {
  for (const file of walk(join(root, dir))) {
    if (!assetPattern.test(file)) continue;
    const target = join(dist, relative(root, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
    copied++;
  }
}
mkdirSync(dist, { recursive: true });
writeFileSync(stamp, new Date().toISOString());
await buildApp();
await buildWidgets();
if (!args.has('--quiet')) console.log(`build: compiled TypeScript, copied ${copied} node/runtime asset files into dist/`);
