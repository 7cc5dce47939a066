/**
 * The MTAs of the failover benchmark: real SMTP servers (smtp-server, via test/helpers/mta.ts) on
 * distinct loopback addresses sharing one port, so every DNS server under test checks the same
 * endpoints. One MTA at a time is put into a fault and later restored:
 * - `dead`: its listener is closed, connects are refused (RST);
 * - `silent`: a listener that accepts TCP and never sends a banner takes its place;
 * - `421`: a listener that greets `421 4.3.2 … Service not available` and closes (RFC 5321 §3.8).
 * `restore` puts the real MTA back on the same address and port.
 */
import { startMta, startScriptedMta, type Mta, type ScriptedMta } from '../test/helpers/mta.ts';

export type FaultCase = 'dead' | 'silent' | '421';
export const FAULT_CASES: readonly FaultCase[] = ['dead', 'silent', '421'];

interface Slot {
  host: string;
  real: Mta;
  realUp: boolean;
  impostor?: ScriptedMta;
}

export class MtaFarm {
  private constructor(
    readonly port: number,
    private readonly slots: Slot[],
  ) {}

  /** Starts one MTA per address on a common free port (retries a few ports if one is taken). */
  static async start(hosts: readonly string[]): Promise<MtaFarm> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const first = await startMta({ host: hosts[0]!, name: 'mta1.bench' });
      const slots: Slot[] = [{ host: hosts[0]!, real: first, realUp: true }];
      try {
        for (const [i, host] of hosts.slice(1).entries()) {
          slots.push({ host, real: await startMta({ host, port: first.port, name: `mta${i + 2}.bench` }), realUp: true });
        }
        return new MtaFarm(first.port, slots);
      } catch (error) {
        lastError = error;
        await Promise.all(slots.map((s) => s.real.stop()));
      }
    }
    throw new Error(`could not start the MTAs on one common port: ${String(lastError)}`);
  }

  get hosts(): string[] {
    return this.slots.map((s) => s.host);
  }

  private slot(host: string): Slot {
    const slot = this.slots.find((s) => s.host === host);
    if (!slot) throw new Error(`no MTA on ${host}`);
    return slot;
  }

  async fault(host: string, kind: FaultCase): Promise<void> {
    const slot = this.slot(host);
    await slot.real.stop();
    slot.realUp = false;
    if (kind === 'dead') return;
    slot.impostor = await startScriptedMta({ host, port: this.port, mode: kind === 'silent' ? 'silent' : 'banner-421' });
  }

  async restore(host: string): Promise<void> {
    const slot = this.slot(host);
    if (slot.impostor) await slot.impostor.stop();
    delete slot.impostor;
    if (!slot.realUp) await slot.real.restart();
    slot.realUp = true;
  }

  async stop(): Promise<void> {
    await Promise.all(this.slots.map(async (s) => {
      await s.impostor?.stop();
      await s.real.stop();
    }));
  }
}
