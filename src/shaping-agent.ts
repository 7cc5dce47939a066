/**
 * Agent checks (edge: sockets and timers; docs/shaping.md "Agent check"). For every member of a
 * pool with `agent: { port, interval, timeout }`, mxlb connects to the member's address on that
 * port every interval, reads the first line (at most 512 bytes, up to `timeout`), and hands it to
 * `onLine`. Like HAProxy, a failed or silent agent changes nothing by itself; the keeper drops a
 * reply older than three intervals (`AgentReplies.fresh`), so a dead agent cannot pin a member at
 * 0 for ever.
 */
import net from 'node:net';
import type { Logger } from './log.ts';
import type { Member, MemberId } from './pool/index.ts';
import type { AgentSettings } from './shaping/index.ts';

export interface AgentTarget {
  member: Member;
  settings: AgentSettings;
}

/** Reads one line from host:port; resolves undefined on error, timeout or an empty reply. */
export function readAgentLine(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let data = '';
    let settled = false;
    const socket = net.connect({ host, port });
    const done = (line: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(line === undefined || line.trim() === '' ? undefined : line.trim());
    };
    const timer = setTimeout(() => done(data.length > 0 ? data : undefined), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const newline = data.search(/\r?\n/);
      if (newline >= 0) done(data.slice(0, newline));
      else if (data.length > 512) done(data.slice(0, 512));
    });
    socket.on('end', () => done(data));
    socket.on('error', () => done(undefined));
  });
}

export class AgentChecker {
  readonly #timers = new Map<MemberId, NodeJS.Timeout>();
  readonly #onLine: (member: MemberId, line: string | undefined) => void;
  readonly #log: Logger;

  constructor(onLine: (member: MemberId, line: string | undefined) => void, logger: Logger) {
    this.#onLine = onLine;
    this.#log = logger;
  }

  /** Replaces the targets: members no longer listed stop being checked. */
  setTargets(targets: readonly AgentTarget[]): void {
    this.stop();
    for (const { member, settings } of targets) {
      const check = async () => {
        const line = await readAgentLine(member.address, settings.port, settings.timeoutMs);
        if (!this.#timers.has(member.id)) return;
        if (line === undefined) this.#log.debug({ member: member.id, port: settings.port }, 'agent check: no reply');
        this.#onLine(member.id, line);
      };
      const timer = setInterval(() => void check(), settings.intervalMs);
      timer.unref();
      this.#timers.set(member.id, timer);
      void check();
    }
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearInterval(timer);
    this.#timers.clear();
  }
}
