// Build: type-check and compile runtime/, nodes/ (and tests) with tsc, then copy the files that travel
// with compiled nodes (editor .html, locales/, icons/) and runtime data files (.json, .hbs) into dist/.
// `--if-stale` skips the work when nothing under the source folders is newer than the last build.
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

if (args.has('--if-stale') && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSourceMtime()) process.exit(0);

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
if (!args.has('--quiet')) console.log(`build: compiled TypeScript, copied ${copied} node/runtime asset files into dist/`);
