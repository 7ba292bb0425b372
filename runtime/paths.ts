// Where the project's own files are, whether running from source (runtime/) or compiled (dist/runtime/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@heatgrid/heatgrid') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Heatgrid: cannot find the project root (package.json named @heatgrid/heatgrid)');
    dir = parent;
  }
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const shippedFlowsDir = join(projectRoot, 'flows');
export const packageVersion = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
