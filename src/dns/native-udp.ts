/**
 * The optional batched-UDP addon (native/udp-batch.c, built by scripts/build-native.mjs when the
 * package installs): recvmmsg/sendmmsg batches and SO_REUSEPORT on every Node ≥ 20
 * (docs/decisions.md "Batched UDP"). Without it (no C compiler at install, not Linux, or
 * `MXLB_NATIVE_UDP=0`) mxlb answers through node:dgram as before, and says why.
 *
 * Contract: `findNativeUdp()` runs in the control plane once: the addon's path when it loads here,
 * or the reason it is not used. Answering workers get the path (WorkerInit.nativeUdp) and load it
 * with `loadNativeUdp(path)`; a worker that cannot load it falls back to dgram on its own.
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where scripts/build-native.mjs puts the addon, relative to the package root. */
export const NATIVE_UDP_FILE = path.join('native', 'build', 'mxlb-udp.node');

/** An opened socket's batch state in the addon (an N-API external). */
export type NativePump = { readonly __brand: 'mxlb-udp pump' };

/** The addon's surface (native/udp-batch.c, top comment). */
export interface NativeUdp {
  /** kind 0 = UDP (bound), 1 = TCP (bound, not listening). Throws with `.code` = errno name. */
  bind(kind: 0 | 1, family: 4 | 6, address: string, port: number, reusePort: boolean, receiveBuffer: number): [fd: number, port: number];
  open(fd: number, slots: number, onReadable: () => void): NativePump;
  recv(pump: NativePump, data: Uint8Array, meta: Int32Array, text: Uint8Array): number;
  send(pump: NativePump, replies: ReadonlyArray<Uint8Array | undefined>, count: number): number;
  close(pump: NativePump): void;
  /** glibc mallopt(3) for the whole process (src/malloc-tuning.ts); false without glibc. */
  tuneMalloc(arenaMax: number, mmapThresholdBytes: number, trimThresholdBytes: number): boolean;
  /** malloc_trim(0): whether memory went back to the system. */
  trimMalloc(): boolean;
  constants: { slotBytes: number; metaInts: number; textBytes: number; maxSlots: number };
}

/**
 * Binds `host:port` through the addon (kind 0 UDP, 1 TCP) and returns the descriptor, the address
 * and the bound port. `host` may be a name: resolved once, IPv4 unless it is an IPv6 literal, as
 * node:dgram and net resolve a bind address. Rejects with the errno as `.code`.
 */
export async function bindNative(native: NativeUdp, kind: 0 | 1, host: string, port: number, reusePort: boolean, receiveBuffer = 0): Promise<{ fd: number; address: string; family: 4 | 6; port: number }> {
  const family = net.isIPv6(host) ? 6 : 4;
  const address = net.isIP(host) ? host : (await lookup(host, family)).address;
  const [fd, bound] = native.bind(kind, family, address, port, reusePort, receiveBuffer);
  return { fd, address, family, port: bound };
}

/** The addon loaded from `file`. Throws when it cannot be loaded. */
export function loadNativeUdp(file: string): NativeUdp {
  // createRequire needs a base path only; an absolute `file` resolves to itself.
  return createRequire(file)(file) as NativeUdp;
}

/** The addon's file below the package root, searched upward from this module (src/ and dist/ differ in depth). */
function locate(): string | undefined {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = path.join(directory, NATIVE_UDP_FILE);
    if (existsSync(candidate)) return candidate;
    directory = path.dirname(directory);
  }
  return undefined;
}

/** Where the addon is: MXLB_NATIVE_UDP_PATH, else the package's build output; undefined when not built. */
function addonFile(env: NodeJS.ProcessEnv): string | undefined {
  return env.MXLB_NATIVE_UDP_PATH || locate();
}

/**
 * The addon for its process-wide helpers (src/malloc-tuning.ts), whatever MXLB_NATIVE_UDP says
 * about UDP; undefined when it is not built or does not load (findNativeUdp reports why).
 */
export function loadNativeAddon(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NativeUdp | undefined {
  const file = platform === 'linux' ? addonFile(env) : undefined;
  if (!file) return undefined;
  try {
    return loadNativeUdp(path.resolve(file));
  } catch {
    return undefined;
  }
}

export type NativeUdpLookup = { path: string; reason?: undefined } | { path?: undefined; reason: string };

/** Whether the answering workers can use the addon here, and if not, why (logged and in /status). */
export function findNativeUdp(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NativeUdpLookup {
  if (env.MXLB_NATIVE_UDP === '0') return { reason: 'turned off (MXLB_NATIVE_UDP=0)' };
  if (platform !== 'linux') return { reason: `recvmmsg/sendmmsg are Linux only (this is ${platform})` };
  const file = addonFile(env);
  if (!file) return { reason: `${NATIVE_UDP_FILE} was not built at install (no C compiler? run: npm run build:native)` };
  try {
    const addon = loadNativeUdp(path.resolve(file));
    if (typeof addon.recv !== 'function' || typeof addon.constants?.slotBytes !== 'number') return { reason: `${file} is not mxlb's UDP addon` };
    return { path: path.resolve(file) };
  } catch (error) {
    return { reason: `${file} does not load: ${(error as Error).message.split('\n')[0]}` };
  }
}
