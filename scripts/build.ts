// Build: type-check and compile runtime/, nodes/ (and tests) with tsc, then copy the files that travel
// with compiled nodes (editor .html, locales/, icons/) and runtime data files (.json, .hbs) into dist/.
// `--if-stale` skips the work when nothing under the source folders is newer than the last build.
// The operator app (dashboards/) is built by Vite's JS API into dist/operator-app, only when a file under
// dashboards/ is newer than the app's own stamp (so a runtime-only change never waits for Vite).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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

if (args.has('--if-stale') && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSourceMtime()) {
  await buildApp();
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
if (!args.has('--quiet')) console.log(`build: compiled TypeScript, copied ${copied} node/runtime asset files into dist/`);
