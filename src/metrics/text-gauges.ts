/**
 * Per-member gauges written straight as exposition text (format 0.0.4) when /metrics is scraped,
 * outside prom-client. Why (docs/decisions.md "Per-member gauges as text"): a prom-client Gauge
 * keeps a label-keyed map entry per series and builds an object per series on every scrape. The
 * one-hot member and reputation gauges are 8 series per member: at 10,000 members one scrape
 * took the process from 137 to 227 MB RSS, and the maps kept about 25 MB of it until the next.
 * Here a scrape writes the text as bytes, in 256 KB pieces, and keeps nothing.
 *
 * Contract: a `TextGauge` appends its HELP and TYPE lines and every sample to a `GaugeText`;
 * `GaugeText.buffers()` is the whole section as bytes (GET /metrics sends them as they are),
 * `text()` the same as a string. Values are read at scrape time from the same sources
 * the old gauges read, so nothing can drift from what the DNS path serves.
 */

export type TextGauge = (out: GaugeText) => void;

const PIECE = 256 * 1024;

/** Label values escaped per the exposition format: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

function escapeHelp(help: string): string {
  return /[\\\n]/.test(help) ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : help;
}

export class GaugeText {
  readonly #pieces: Buffer[] = [];
  #piece = Buffer.allocUnsafe(PIECE);
  #used = 0;

  /** The `# HELP` and `# TYPE … gauge` lines of a metric. */
  gauge(name: string, help: string): void {
    this.family(name, help, 'gauge');
  }

  /** The `# HELP` and `# TYPE` lines of a metric of `type`. */
  family(name: string, help: string, type: 'gauge' | 'counter'): void {
    // The blank line before each metric matches prom-client's own output, which these follow.
    this.#write(`\n# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`);
  }

  /** One sample; `labels` are already escaped `name="value"` pairs joined by commas (see `label`). */
  sample(name: string, labels: string, value: number): void {
    this.#write(name);
    this.#write('{');
    this.#write(labels);
    this.#write(value === 0 ? '} 0\n' : value === 1 ? '} 1\n' : `} ${value}\n`);
  }

  /** The section as bytes (UTF-8), in pieces. */
  buffers(): Buffer[] {
    return this.#used > 0 ? [...this.#pieces, this.#piece.subarray(0, this.#used)] : [...this.#pieces];
  }

  text(): string {
    return this.buffers().map((piece) => piece.toString('utf8')).join('');
  }

  // Bytes, not strings, accumulate: a string built line by line keeps every line alive (and old)
  // until it is joined; written bytes leave only short-lived garbage.
  #write(text: string): void {
    if (this.#used + text.length * 3 > this.#piece.length) {
      this.#pieces.push(this.#piece.subarray(0, this.#used));
      this.#piece = Buffer.allocUnsafe(Math.max(PIECE, text.length * 3));
      this.#used = 0;
    }
    this.#used += this.#piece.write(text, this.#used, 'utf8');
  }
}

/** `name="value"`, the value escaped. */
export function label(name: string, value: string): string {
  return `${name}="${escapeLabelValue(value)}"`;
}

/** `gauges` written in order. */
export function renderTextGauges(gauges: Iterable<TextGauge>): GaugeText {
  const out = new GaugeText();
  for (const gauge of gauges) gauge(out);
  return out;
}
