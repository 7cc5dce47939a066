/**
 * The follower's files: the state file (where in which log it is, written atomically after every
 * acknowledged batch) and the map file (syslog_name or KumoMTA egress source/IP → member id).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { MxlbError } from '../errors.ts';
import type { LogPosition } from '../signals/index.ts';

export interface FollowState {
  version: 1;
  log: string;
  mta: string;
  position: LogPosition;
}

/** The saved state for this log, or undefined (none yet, or another log's: then a warning). */
export function loadState(file: string, log: string, mta: string, warn: (text: string) => void): LogPosition | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MxlbError('usage', `state file ${file}: ${(error as Error).message}`);
  }
  let state: Partial<FollowState>;
  try {
    state = JSON.parse(text) as Partial<FollowState>;
  } catch {
    throw new MxlbError('usage', `state file ${file} is not JSON: remove it to start from the beginning of the log`);
  }
  const p = state.position;
  const valid = p && typeof p.head === 'string' && [p.dev, p.ino, p.offset].every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
  if (state.version !== 1 || !valid) throw new MxlbError('usage', `state file ${file} is not a follower state: remove it to start from the beginning of the log`);
  if (state.log !== log || state.mta !== mta) {
    warn(`state file ${file} belongs to ${state.mta} log ${state.log}, not ${mta} ${log}: starting at the beginning of ${log}`);
    return undefined;
  }
  return p;
}

export function saveState(file: string, state: FollowState): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state)}\n`);
  renameSync(temp, file);
}

/** `NAME MEMBER` lines (`#` comments): Postfix syslog_name, or KumoMTA egress source name or source IP. */
export function loadMap(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MxlbError('usage', `map file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const map = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const fields = line.split(/\s+/);
    if (fields.length !== 2 || !/^[^/\s]+\/[^/\s]+$/.test(fields[1]!)) throw new MxlbError('usage', `map file ${file}:${index + 1}: expected NAME <pool>/<member>`);
    map.set(fields[0]!, fields[1]!);
  });
  if (map.size === 0) throw new MxlbError('usage', `map file ${file}: no NAME MEMBER lines`);
  return map;
}
