// `npm run bench -- <name> [options]`: runs one benchmark from bench/ (they are not tests).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.replace(/\.ts$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.log(`Usage: npm run bench -- <name> [options]\nBenchmarks: ${available.join(', ')}`);
  process.exit(name ? 1 : 0);
}
await import(pathToFileURL(join(here, `${name}.ts`)).href);
