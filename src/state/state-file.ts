/**
 * The memory store's state file: one JSON document, written atomically (write a temporary file in
 * the same folder, fsync, rename) so a crash mid-write leaves the previous version intact.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Override, WeightOverride } from '../pool/index.ts';
import type { AuditEntry, PersistedHealth } from './store.ts';

export const STATE_FILE_VERSION = 1;

export interface StateFileData {
  version: typeof STATE_FILE_VERSION;
  savedAt: number;
  health: Record<string, PersistedHealth>;
  overrides: Record<string, Override>;
  weights: Record<string, WeightOverride>;
  audit: AuditEntry[];
}

export function emptyState(): StateFileData {
  return { version: STATE_FILE_VERSION, savedAt: 0, health: {}, overrides: {}, weights: {}, audit: [] };
}

/** Reads the file; a missing file is an empty state, an unreadable or foreign one an error. */
export async function readStateFile(path: string): Promise<StateFileData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
  const data = JSON.parse(text) as Partial<StateFileData>;
  if (data.version !== STATE_FILE_VERSION) throw new Error(`${path}: unsupported state file version ${String(data.version)}`);
  return { ...emptyState(), ...data } as StateFileData;
}

export async function writeStateFile(path: string, data: StateFileData): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(data, null, 1) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}
