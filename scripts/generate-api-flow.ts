// Writes flows/20-api.json from the API operation registry. Run after adding or changing an operation:
//   node scripts/generate-api-flow.ts        (the test `api-flow` fails while the file is stale)
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiFlow } from '../runtime/api/api-flow.ts';
import { allOperations } from '../runtime/api/registry.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'flows', '20-api.json');
writeFileSync(file, JSON.stringify(apiFlow(allOperations()), null, 2) + '\n');
console.log(`wrote ${file}: ${allOperations().length} operations`);
