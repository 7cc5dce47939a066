/**
 * Shared copies of what many probe results repeat (pure, bounded): every member keeps its latest
 * result for `/status` (MemberHealth.lastResult), and across a fleet of one MTA build the EHLO
 * capability lists are the same few and banners often too. At 10,000 members each result's own
 * list (an array, its 17-slot backing store from `push`, one string per keyword) cost ~300 bytes
 * of the control plane's heap (heap snapshot, docs/decisions.md "Scale of members").
 *
 * Contract: `internText` / `internList` return a value equal to their argument: the first of up to
 * `LIMIT` distinct values seen, else the argument itself (unique banners do not fill memory; the
 * first `LIMIT` stay shared for the life of the process). Lists come back frozen: a result's
 * capabilities are read, never changed (`/status` copies them).
 */

/** Distinct banners and distinct capability lists kept (each); enough for any fleet's MTA builds. */
export const LIMIT = 256;

const texts = new Map<string, string>();
const lists = new Map<string, readonly string[]>();

export function internText(text: string): string {
  const known = texts.get(text);
  if (known !== undefined) return known;
  if (texts.size < LIMIT) texts.set(text, text);
  return text;
}

export function internList(items: readonly string[]): readonly string[] {
  // '\n' cannot occur inside an SMTP reply line (RFC 5321 §4.1.1: lines end in CRLF).
  const key = items.join('\n');
  const known = lists.get(key);
  if (known !== undefined) return known;
  const copy = Object.freeze(items.map(internText));
  if (lists.size < LIMIT) lists.set(key, copy);
  return copy;
}
