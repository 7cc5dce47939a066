/** Every fuzz target, by name (fuzz/run.ts runs them; fuzz/corpus/<name>/ holds each one's seeds). */
import type { FuzzTarget } from '../engine/engine.ts';

const LOADERS: Record<string, () => Promise<FuzzTarget>> = {
  'dns-packet': async () => (await import('./dns-packet.ts')).dnsPacket,
  'master-file': async () => (await import('./master-file.ts')).masterFile,
  'yaml-zone': async () => (await import('./yaml-zone.ts')).yamlZone,
  'state-file': async () => (await import('./state-file.ts')).stateFile,
  'smtp-reply': async () => (await import('./smtp-reply.ts')).smtpReply,
  'delivery-logs': async () => (await import('./delivery-logs.ts')).deliveryLogs,
};

export const TARGET_NAMES: readonly string[] = Object.keys(LOADERS);

/** Loads one target (its import also loads the code under test, instrumented). */
export async function loadTarget(name: string): Promise<FuzzTarget> {
  const load = LOADERS[name];
  if (!load) throw new Error(`no fuzz target "${name}"; targets: ${TARGET_NAMES.join(', ')}`);
  return load();
}
