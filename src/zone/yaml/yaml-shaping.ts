import type { Node } from 'yaml';
import { DEFAULT_AGENT_INTERVAL_MS, DEFAULT_LATENCY, DEFAULT_SLOW_START_FLOOR, type AgentSettings, type LatencySettings, type LoadSettings, type PoolShaping, type SlowStartSettings } from '../../shaping/index.ts';
import { duration, fields, int, isNull, oneOf, str, type Entry, type YamlSource } from './yaml-nodes.ts';

/**
 * A pool's shaping keys (docs/shaping.md, docs/zone-format.md): `slow-start:` (a duration, or
 * `{ window, floor }`), `latency:` (`{ alpha, step, exponent, bias, limit, delay-window, delay-samples, delay-bias,
 * delay-limit }`), `agent:` (`{ port, interval,
 * timeout }`) and `load:` (`{ metric, low, high, stale }`). Absent keys are off.
 */
export const SHAPING_POOL_KEYS = ['slow-start', 'latency', 'agent', 'load'] as const;

export function readPoolShaping(src: YamlSource, f: ReadonlyMap<string, Entry>, where: string): PoolShaping | undefined {
  const shaping: PoolShaping = {};
  const slow = f.get('slow-start');
  if (slow && !isNull(slow.value)) shaping.slowStart = readSlowStart(src, slow, `${where} slow-start`);
  const latency = f.get('latency');
  if (latency) shaping.latency = readLatency(src, latency.value, `${where} latency`);
  const agent = f.get('agent');
  if (agent) shaping.agent = readAgent(src, agent.value, `${where} agent`);
  const load = f.get('load');
  if (load) shaping.load = readLoad(src, load, `${where} load`);
  return Object.keys(shaping).length > 0 ? shaping : undefined;
}

function readSlowStart(src: YamlSource, entry: Entry, what: string): SlowStartSettings {
  if (entry.value && 'items' in entry.value) {
    const f = fields(src, entry.value, what, ['window', 'floor']);
    const window = f.get('window');
    if (!window) src.fail(entry.at, `${what} needs a window (e.g. window: 60s)`);
    const floor = f.get('floor');
    return { windowMs: duration(src, window, `${what} window`, 1000, 86_400_000), floor: floor ? fraction(src, floor, `${what} floor`, 0.01, 1) : DEFAULT_SLOW_START_FLOOR };
  }
  return { windowMs: duration(src, entry, what, 1000, 86_400_000), floor: DEFAULT_SLOW_START_FLOOR };
}

function readLatency(src: YamlSource, node: Node | null, what: string): LatencySettings {
  const f = fields(src, node, what, ['alpha', 'step', 'exponent', 'bias', 'limit', 'delay-window', 'delay-samples', 'delay-bias', 'delay-limit']);
  const settings: LatencySettings = { ...DEFAULT_LATENCY };
  if (f.has('alpha')) settings.alpha = fraction(src, f.get('alpha')!, `${what} alpha`, 0.01, 1);
  if (f.has('step')) settings.step = fraction(src, f.get('step')!, `${what} step`, 0.01, 0.5);
  if (f.has('exponent')) settings.exponent = number(src, f.get('exponent')!, `${what} exponent`, 0.1, 8);
  if (f.has('bias')) settings.biasMs = duration(src, f.get('bias')!, `${what} bias`, 0, 10_000);
  if (f.has('limit')) settings.limitMs = duration(src, f.get('limit')!, `${what} limit`, 1, 600_000);
  if (f.has('delay-window')) settings.delayWindowMs = duration(src, f.get('delay-window')!, `${what} delay-window`, 60_000, 86_400_000);
  if (f.has('delay-samples')) settings.delayMinSamples = int(src, f.get('delay-samples')!, `${what} delay-samples`, 1, 10_000);
  if (f.has('delay-bias')) settings.delayBiasMs = duration(src, f.get('delay-bias')!, `${what} delay-bias`, 0, 3_600_000);
  if (f.has('delay-limit')) settings.delayLimitMs = duration(src, f.get('delay-limit')!, `${what} delay-limit`, 1000, 86_400_000 * 7);
  return settings;
}

function readAgent(src: YamlSource, node: Node | null, what: string): AgentSettings {
  const f = fields(src, node, what, ['port', 'interval', 'timeout']);
  const port = f.get('port');
  if (!port) src.fail(node, `${what} needs a port (the TCP port the agent listens on)`);
  return {
    port: int(src, port, `${what} port`, 1, 65535),
    intervalMs: f.has('interval') ? duration(src, f.get('interval')!, `${what} interval`, 100, 3_600_000) : DEFAULT_AGENT_INTERVAL_MS,
    timeoutMs: f.has('timeout') ? duration(src, f.get('timeout')!, `${what} timeout`, 50, 60_000) : 2000,
  };
}

function readLoad(src: YamlSource, entry: Entry, what: string): LoadSettings {
  const f = fields(src, entry.value, what, ['metric', 'low', 'high', 'stale']);
  const low = f.get('low');
  const high = f.get('high');
  if (!low || !high) src.fail(entry.at, `${what} needs low and high watermarks`);
  const settings: LoadSettings = {
    metric: f.has('metric') ? oneOf(src, f.get('metric')!, `${what} metric`, ['queue', 'connections'] as const) : 'queue',
    low: int(src, low, `${what} low`, 0, 1_000_000_000),
    high: int(src, high, `${what} high`, 1, 1_000_000_000),
    staleMs: f.has('stale') ? duration(src, f.get('stale')!, `${what} stale`, 1000, 86_400_000) : 60_000,
  };
  if (settings.high <= settings.low) src.fail(high.at, `${what} high (${settings.high}) must be above low (${settings.low})`);
  return settings;
}

/** `10%` or `0.1` → 0.1, in min..max. */
export function fraction(src: YamlSource, entry: Entry, what: string, min: number, max: number): number {
  const text = str(src, entry, what).trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  const value = percent ? Number(percent[1]) / 100 : /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value)) src.fail(entry.at, `${what} must be a fraction such as 0.1 or 10%, not ${JSON.stringify(text)}`);
  if (value < min || value > max) src.fail(entry.at, `${what} ${text} is out of range (${min}–${max})`);
  return value;
}

function number(src: YamlSource, entry: Entry, what: string, min: number, max: number): number {
  const text = str(src, entry, what).trim();
  const value = /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value < min || value > max) src.fail(entry.at, `${what} must be a number in ${min}–${max}, not ${JSON.stringify(text)}`);
  return value;
}
