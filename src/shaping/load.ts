/**
 * Load-aware factors (pure; docs/shaping.md "Load").
 *
 * Agent check (HAProxy `agent-check`): mxlb connects to a TCP port on the MTA and reads one line of
 * words separated by spaces or commas: a weight `75%` (a share of full weight), and/or a state
 * word — `drain` (factor 0: no new senders; HAProxy's weight 0), `maint` and `down` (factor 0),
 * `up` / `ready` (the state words lifted). `parseAgentLine` returns undefined for a line with no
 * known word (ignored, like an unreachable agent).
 *
 * Load reports (POST /api/load): a queue depth and/or active connections per member. Against the
 * pool's watermarks on the chosen metric: ≤ low → no factor; ≥ high → 0 (`load-above-high`:
 * standby, so min-healthy and the all-down policy still apply); between → (high − v)/(high − low),
 * quantised to 5 % steps and floored at one step (`load-between-watermarks`).
 */
import type { LoadSettings, ShapingFactor } from './model.ts';

export interface AgentReply {
  /** Weight percent (0–100 after clamping) when the line carried one. */
  percent?: number;
  state?: 'drain' | 'maint' | 'down' | 'up';
}

export function parseAgentLine(line: string): AgentReply | undefined {
  const reply: AgentReply = {};
  let known = false;
  for (const word of line.trim().toLowerCase().split(/[\s,]+/)) {
    const percent = /^(\d{1,3}(?:\.\d+)?)%$/.exec(word);
    if (percent) {
      reply.percent = Math.min(100, Number(percent[1]));
      known = true;
    } else if (word === 'drain' || word === 'maint' || word === 'down' || word === 'up') {
      reply.state = word;
      known = true;
    } else if (word === 'ready') {
      reply.state = 'up';
      known = true;
    } else if (word === 'stopped' || word === 'fail') {
      reply.state = 'down';
      known = true;
    }
  }
  return known ? reply : undefined;
}

export function agentFactor(reply: AgentReply | undefined): ShapingFactor | undefined {
  if (!reply) return undefined;
  if (reply.state === 'drain') return { name: 'load', value: 0, reason: 'agent-drain' };
  if (reply.state === 'maint') return { name: 'load', value: 0, reason: 'agent-maint' };
  if (reply.state === 'down') return { name: 'load', value: 0, reason: 'agent-down' };
  if (reply.percent !== undefined && reply.percent < 100) return { name: 'load', value: Math.round(reply.percent * 100) / 10_000, reason: 'agent-weight' };
  return undefined;
}

const STEP = 0.05;

export function watermarkFactor(value: number, settings: LoadSettings): ShapingFactor | undefined {
  if (value <= settings.low) return undefined;
  if (value >= settings.high) return { name: 'load', value: 0, reason: 'load-above-high' };
  const raw = (settings.high - value) / (settings.high - settings.low);
  const q = Math.max(STEP, Math.floor(raw / STEP + 1e-9) * STEP);
  return { name: 'load', value: Math.round(q * 1e6) / 1e6, reason: 'load-between-watermarks' };
}

/** The smaller of two load factors (agent and reports both speak of load: the stricter wins). */
export function stricter(a: ShapingFactor | undefined, b: ShapingFactor | undefined): ShapingFactor | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.value < a.value ? b : a;
}

/** A load report through the signals API: queue depth and/or active connections. */
export interface LoadReport {
  queue?: number;
  connections?: number;
}

/**
 * The latest agent reply and load report per member (pure state, clock passed in). An agent
 * reply older than three agent intervals, or a report older than the pool's `stale`, is ignored.
 */
export class LoadBook {
  readonly #agent = new Map<string, { reply: AgentReply | undefined; at: number }>();
  readonly #reports = new Map<string, LoadReport & { at: number }>();

  agentLine(member: string, line: string | undefined, now: number): void {
    if (line === undefined) return; // an unreachable agent changes nothing (HAProxy)
    this.#agent.set(member, { reply: parseAgentLine(line), at: now });
  }

  report(member: string, report: LoadReport, now: number): void {
    this.#reports.set(member, { ...report, at: now });
  }

  lastReport(member: string): (LoadReport & { at: number }) | undefined {
    return this.#reports.get(member);
  }

  factor(member: string, now: number, agentIntervalMs: number | undefined, watermarks: LoadSettings | undefined): ShapingFactor | undefined {
    let factor: ShapingFactor | undefined;
    const agent = this.#agent.get(member);
    if (agent && agentIntervalMs !== undefined && now - agent.at <= 3 * agentIntervalMs) factor = agentFactor(agent.reply);
    const report = this.#reports.get(member);
    if (report && watermarks && now - report.at <= watermarks.staleMs) {
      const value = watermarks.metric === 'queue' ? report.queue : report.connections;
      if (value !== undefined) factor = stricter(factor, watermarkFactor(value, watermarks));
    }
    return factor;
  }

  retain(members: ReadonlySet<string>): void {
    for (const id of [...this.#agent.keys()]) if (!members.has(id)) this.#agent.delete(id);
    for (const id of [...this.#reports.keys()]) if (!members.has(id)) this.#reports.delete(id);
  }
}
