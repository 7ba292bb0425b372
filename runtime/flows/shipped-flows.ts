// Installs the flows shipped in flows/ into the user's flow file. First start: install. Later starts:
// upgrade only when the user has not edited what we installed; otherwise keep their flows and say how
// to take ours (`heatgrid flows reset`, which keeps a backup).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigStore } from '../store/config-store.ts';

type FlowNode = { id: string; type: string; [key: string]: unknown };

export type FlowInstallOutcome = 'installed' | 'upgraded' | 'unchanged' | 'kept-user-edits' | 'reset';

const INSTALLED_HASH = 'flows.installed_hash';
const SHIPPED_HASH = 'flows.shipped_hash';

/** All shipped flow files, in file-name order, as one Node-RED flow array. */
export function readShippedFlows(dir: string): FlowNode[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const nodes: FlowNode[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const content = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
    if (!Array.isArray(content)) throw new Error(`flows/${file}: expected a JSON array of Node-RED nodes`);
    for (const node of content as FlowNode[]) {
      if (seen.has(node.id)) throw new Error(`flows/${file}: node id ${node.id} is used twice in the shipped flows`);
      seen.add(node.id);
      nodes.push(node);
    }
  }
  return nodes;
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function readFlowFile(flowFile: string): unknown {
  try {
    return JSON.parse(readFileSync(flowFile, 'utf8'));
  } catch {
    return null; // unreadable counts as edited: never overwrite what we cannot understand
  }
}

function write(flowFile: string, store: ConfigStore, shipped: FlowNode[]): void {
  writeFileSync(flowFile, JSON.stringify(shipped, null, 2));
  store.setSetting(INSTALLED_HASH, hashOf(shipped));
  store.setSetting(SHIPPED_HASH, hashOf(shipped));
}

export function installShippedFlows(flowFile: string, shippedDir: string, store: ConfigStore): FlowInstallOutcome {
  const shipped = readShippedFlows(shippedDir);
  if (!existsSync(flowFile)) {
    write(flowFile, store, shipped);
    return 'installed';
  }
  const shippedHash = hashOf(shipped);
  if (store.getSetting(SHIPPED_HASH) === shippedHash) return 'unchanged';
  const current = readFlowFile(flowFile);
  if (current !== null && hashOf(current) === store.getSetting(INSTALLED_HASH)) {
    write(flowFile, store, shipped);
    return 'upgraded';
  }
  return 'kept-user-edits';
}

/** Replaces the user's flows with the shipped ones; the old file is kept as a timestamped backup. */
export function resetToShippedFlows(flowFile: string, shippedDir: string, store: ConfigStore): { backup: string | null } {
  let backup: string | null = null;
  if (existsSync(flowFile)) {
    backup = `${flowFile}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
    copyFileSync(flowFile, backup);
  }
  write(flowFile, store, readShippedFlows(shippedDir));
  return { backup };
}
