/**
 * Raising the SOA serial of a YAML zone's `records: |` block after a CLI edit (pure), so an edit
 * by `mxlb zone member add|remove|set` is a new version of the zone for secondaries and caches
 * (RFC 1996; RFC 1034 §4.3.5) and the loader does not warn that the content changed but the
 * serial did not. The new serial is the next date-based serial (YYYYMMDDnn) when the old one looks
 * like one, else the old one + 1; never beyond 2^32 − 1 (RFC 1982 wrap-around is left to the
 * operator). Only the serial's characters change: comments, parentheses and layout stay.
 */
export interface SerialChange {
  text: string;
  from: number;
  to: number;
}

const MAX_SERIAL = 0xffff_ffff;

/** The next serial after `serial` on `today` (a date; UTC). */
export function nextSerial(serial: number, today: Date): number {
  const base = Number(today.toISOString().slice(0, 10).replaceAll('-', '')) * 100;
  const dateLike = serial >= 1970_01_01_00 && serial <= 2199_12_31_99;
  return dateLike ? Math.max(serial + 1, base + 1) : serial + 1;
}

/** The SOA serial in the `records: |` block of YAML zone text, raised; undefined when there is none to raise. */
export function raiseSerial(text: string, today: Date): SerialChange | undefined {
  const header = /^records:[ \t]*\|[-+0-9]*[ \t]*(?:#.*)?$/m.exec(text);
  if (!header) return undefined;
  let end = header.index + header[0].length;
  // The block runs while lines are blank or indented.
  const rest = text.slice(end);
  const stop = /\n(?=[^\s#])/.exec(rest);
  const blockEnd = stop ? end + stop.index : text.length;
  const tokens: Array<{ value: string; at: number }> = [];
  for (let i = end; i < blockEnd && tokens.length < 64; ) {
    const c = text[i]!;
    if (c === ';') {
      while (i < blockEnd && text[i] !== '\n') i++;
    } else if (/[\s()]/.test(c)) {
      i++;
    } else {
      const start = i;
      while (i < blockEnd && !/[\s();]/.test(text[i]!)) i++;
      tokens.push({ value: text.slice(start, i), at: start });
    }
  }
  const soa = tokens.findIndex((t) => t.value.toUpperCase() === 'SOA');
  const serialToken = soa >= 0 ? tokens[soa + 3] : undefined;
  if (!serialToken || !/^\d{1,10}$/.test(serialToken.value)) return undefined;
  const from = Number(serialToken.value);
  const to = nextSerial(from, today);
  if (to > MAX_SERIAL) return undefined;
  end = serialToken.at + serialToken.value.length;
  return { text: text.slice(0, serialToken.at) + String(to) + text.slice(end), from, to };
}
