/**
 * A strict parser for the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), written for the tests so they
 * check /metrics against the format itself rather than against prom-client's own renderer.
 *
 * Strict means it throws, naming the line, on: a malformed metric or label name, a bad escape in
 * a label value, a value that is not a Go float, HELP/TYPE given twice or TYPE after samples of
 * its family, a sample of a family whose TYPE says otherwise (a histogram's series must be
 * `_bucket` with `le`, `_sum`, `_count`), the same series twice, a family split by another, and
 * histograms whose buckets are not cumulative or whose `+Inf` bucket differs from `_count`.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The series name as written (`x_bucket`, `x_sum`, …). */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export type Families = Map<string, Family>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

export function parseProm(text: string): Families {
  const families: Families = new Map();
  const finished = new Set<string>();
  const typed = new Set<string>();
  let current: string | undefined;
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  else throw new Error('exposition must end with a line feed');

  const open = (name: string, line: number): Family => {
    if (current !== name) {
      if (finished.has(name)) throw new Error(`line ${line}: family ${name} appears again after another family`);
      if (current !== undefined) finished.add(current);
      current = name;
    }
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', samples: [] };
      families.set(name, family);
    }
    return family;
  };

  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!meta) return; // a plain comment
      const [, kind, name = '', rest = ''] = meta;
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${JSON.stringify(name)}`);
      const family = open(name, line);
      if (kind === 'HELP') {
        if (family.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        family.help = unescapeHelp(rest, line);
      } else {
        if (family.samples.length > 0) throw new Error(`line ${line}: TYPE for ${name} after its samples`);
        if (typed.has(name)) throw new Error(`line ${line}: second TYPE for ${name}`);
        const type = rest.trim() as MetricType;
        if (!TYPES.includes(type)) throw new Error(`line ${line}: unknown type ${JSON.stringify(rest)} for ${name}`);
        family.type = type;
        typed.add(name);
      }
      return;
    }
    const sample = parseSample(raw, line);
    const familyName = familyOf(sample.name, families, current);
    const family = open(familyName, line);
    checkSeries(family, sample, line);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${line}: series ${sample.name}${JSON.stringify(sample.labels)} appears twice`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The family a series belongs to: itself, or the histogram/summary it is a `_bucket`/`_sum`/`_count` of. */
function familyOf(name: string, families: Families, current: string | undefined): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (base === current && (type === 'histogram' || type === 'summary')) return base;
  }
  return name;
}

function checkSeries(family: Family, sample: Sample, line: number): void {
  const suffix = sample.name.slice(family.name.length);
  if (family.type === 'histogram') {
    if (!['_bucket', '_sum', '_count'].includes(suffix)) throw new Error(`line ${line}: ${sample.name} is not a series of histogram ${family.name}`);
    if ((suffix === '_bucket') !== ('le' in sample.labels)) throw new Error(`line ${line}: only _bucket series carry "le" (${sample.name})`);
  } else if (family.type === 'summary') {
    if (!['', '_sum', '_count'].includes(suffix)) throw new Error(`line ${line}: ${sample.name} is not a series of summary ${family.name}`);
  } else if (suffix !== '') {
    throw new Error(`line ${line}: ${sample.name} in family ${family.name}`);
  }
  if (family.type === 'counter' && !(sample.value >= 0)) throw new Error(`line ${line}: counter ${sample.name} is ${sample.value}`);
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (s.name.endsWith('_bucket')) group.buckets.push([parseFloatStrict(le!, 0), s.value]);
    else if (s.name.endsWith('_count')) group.count = s.value;
  }
  for (const [key, group] of groups) {
    const sorted = group.buckets.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]![1] < sorted[i - 1]![1]) throw new Error(`histogram ${family.name} ${key}: bucket le=${sorted[i]![0]} below le=${sorted[i - 1]![0]}`);
    }
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Infinity) throw new Error(`histogram ${family.name} ${key}: no le="+Inf" bucket`);
    if (group.count !== inf[1]) throw new Error(`histogram ${family.name} ${key}: _count ${group.count} differs from the +Inf bucket ${inf[1]}`);
  }
}

function parseSample(raw: string, line: number): Sample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw)?.[0];
  if (!name) throw new Error(`line ${line}: no metric name in ${JSON.stringify(raw)}`);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (raw[at] === '{') {
    at += 1;
    for (;;) {
      if (raw[at] === '}') {
        at += 1;
        break;
      }
      const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(raw.slice(at))?.[0];
      if (!labelName || !LABEL_NAME.test(labelName)) throw new Error(`line ${line}: bad label name at column ${at + 1}`);
      at += labelName.length;
      if (raw[at] !== '=' || raw[at + 1] !== '"') throw new Error(`line ${line}: expected ="… after label ${labelName}`);
      at += 2;
      let value = '';
      for (;;) {
        const c = raw[at];
        if (c === undefined) throw new Error(`line ${line}: unterminated value of label ${labelName}`);
        at += 1;
        if (c === '"') break;
        if (c === '\\') {
          const e = raw[at];
          at += 1;
          if (e === '\\') value += '\\';
          else if (e === '"') value += '"';
          else if (e === 'n') value += '\n';
          else throw new Error(`line ${line}: bad escape \\${e ?? ''} in label ${labelName}`);
        } else value += c;
      }
      if (labelName in labels) throw new Error(`line ${line}: label ${labelName} twice`);
      labels[labelName] = value;
      if (raw[at] === ',') at += 1;
      else if (raw[at] !== '}') throw new Error(`line ${line}: expected , or } after label ${labelName}`);
    }
  }
  const rest = raw.slice(at);
  const fields = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!fields) throw new Error(`line ${line}: expected " value [timestamp]" after the series in ${JSON.stringify(raw)}`);
  const sample: Sample = { name, labels, value: parseFloatStrict(fields[1]!, line) };
  if (fields[2] !== undefined) sample.timestamp = Number(fields[2]);
  return sample;
}

/**
 * The forms Go's strconv.ParseFloat accepts (Prometheus parses values with it): decimals,
 * exponents, and NaN / Inf / Infinity with an optional sign, in any letter case (prom-client
 * writes "Nan" for an empty event-loop histogram).
 */
function parseFloatStrict(text: string, line: number): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    throw new Error(`line ${line}: bad escape \\${e} in HELP`);
  });
}

/**
 * The value of the one series of `name` whose labels include `labels`; throws when there is none
 * or more than one (so a test cannot silently read the wrong series). `name` may be a `_bucket`,
 * `_sum` or `_count` series of a histogram.
 */
export function valueOf(families: Families, name: string, labels: Record<string, string> = {}): number {
  const matches = series(families, name, labels);
  if (matches.length !== 1) throw new Error(`${matches.length} series ${name}${JSON.stringify(labels)} (want exactly 1)`);
  return matches[0]!.value;
}

/** valueOf, but 0 when the series does not exist yet (counters appear on first increment). */
export function counterOf(families: Families, name: string, labels: Record<string, string> = {}): number {
  const matches = series(families, name, labels);
  if (matches.length > 1) throw new Error(`${matches.length} series ${name}${JSON.stringify(labels)} (want at most 1)`);
  return matches[0]?.value ?? 0;
}

/** The sum over every series of `name` whose labels include `labels`. */
export function sumOf(families: Families, name: string, labels: Record<string, string> = {}): number {
  return series(families, name, labels).reduce((sum, s) => sum + s.value, 0);
}

export function series(families: Families, name: string, labels: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) out.push(s);
    }
  }
  return out;
}
