import { isMap, isPair, isScalar, isSeq, parseDocument, Scalar, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { SourceError } from '../../errors.ts';
import { column, keepCommentColumn, lineEnd, lineOf, lineStart, pastContinuationComments, spliceLineMapper, withLeadingEol, type Splice } from './yaml-edit-text.ts';

/**
 * Member edits of a YAML zone as text surgery (pure: text in, text out). The `yaml` Document API
 * re-renders the whole file when stringified (comment spacing, `[a, b]` → `[ a, b ]`, blank lines
 * move), so instead the document is parsed only to find source ranges, and each edit is one splice
 * of the original text: every byte outside the splice — comments, blank lines, quoting, flow or
 * block style — stays as the operator wrote it. New entries copy the style of their neighbours.
 *
 * Contract: `editYamlZone` returns the new text only when `validate` (the loader's own parser)
 * accepts it and the edited member reads back with the requested values; otherwise it throws
 * SourceError(file, line, reason) with the line in the file as it is on disk.
 */

/** The member keys an edit may write, in the order new members are written. */
export interface MemberFields {
  address?: string;
  port?: number;
  weight?: number;
  /** As written in the zone: relative to the origin, or absolute with a final dot. */
  host?: string;
}

export type MemberEdit =
  | { op: 'add'; pool: string; member: string; fields: MemberFields & { address: string } }
  | { op: 'remove'; pool: string; member: string }
  | { op: 'set'; pool: string; member: string; fields: MemberFields };

/** What a member reads back as after the edit; undefined when it is absent. */
export type ReadBack = (pool: string, member: string) => { address: string; port: number; weight: number; host: string } | undefined;

export interface EditOutcome {
  text: string;
  /** One line for the operator: what changed. */
  summary: string;
}

const FIELD_ORDER = ['address', 'port', 'weight', 'host'] as const;

/**
 * Applies `edit` to `text`, then `validate(newText)` (throws SourceError for an invalid zone, and
 * returns how members read back). Errors in the new text are mapped back to lines of `text`.
 */
export function editYamlZone(text: string, edit: MemberEdit, file: string, validate: (text: string) => ReadBack): EditOutcome {
  const splice = planEdit(text, edit, file);
  const next = text.slice(0, splice.start) + splice.insert + text.slice(splice.end);
  let readBack: ReadBack;
  try {
    readBack = validate(next);
  } catch (error) {
    if (!(error instanceof SourceError) || error.file !== file) throw error;
    const mapped = spliceLineMapper(text, splice)(error.line);
    throw new SourceError(file, mapped.line, `${error.reason}${mapped.inEdit ? ' (in the edited lines)' : ''}`);
  }
  checkReadBack(edit, readBack, file, lineOf(text, splice.start));
  return { text: next, summary: summarize(edit) };
}

function summarize(edit: MemberEdit): string {
  const id = `${edit.pool}/${edit.member}`;
  if (edit.op === 'remove') return `removed member ${id}`;
  const fields = FIELD_ORDER.filter((k) => edit.fields[k] !== undefined).map((k) => `${k} ${edit.fields[k]}`);
  return `${edit.op === 'add' ? 'added' : 'updated'} member ${id}${fields.length ? ` (${fields.join(', ')})` : ''}`;
}

/** The parser agrees with the edit: a guard against a value that YAML reads differently than meant. */
function checkReadBack(edit: MemberEdit, readBack: ReadBack, file: string, line: number): void {
  const got = readBack(edit.pool, edit.member);
  if (edit.op === 'remove') {
    if (got) throw new SourceError(file, line, `member ${edit.pool}/${edit.member} is still there after the edit`);
    return;
  }
  if (!got) throw new SourceError(file, line, `member ${edit.pool}/${edit.member} is missing after the edit`);
  const f = edit.fields;
  const wrong =
    (f.port !== undefined && got.port !== f.port) ||
    (f.weight !== undefined && got.weight !== f.weight) ||
    (f.address !== undefined && got.address !== f.address.trim() && !f.address.includes(':'));
  if (wrong) throw new SourceError(file, line, `member ${edit.pool}/${edit.member} reads back differently than written; edit the file by hand`);
}

/** Where the edit goes and what it writes; throws SourceError when the target is missing or written in a shape the edit cannot handle. */
export function planEdit(text: string, edit: MemberEdit, file: string): Splice {
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: true });
  const fail = (node: Node | null | undefined, reason: string): never => {
    throw new SourceError(file, node?.range ? lineOf(text, node.range[0]) : 1, reason);
  };
  const problem = doc.errors[0];
  if (problem) throw new SourceError(file, lineOf(text, problem.pos[0]), `YAML: ${problem.message}`);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const root = doc.contents;
  if (!isMap(root)) return fail(root, 'the zone must be a map with a "pools:" key');
  const poolsPair = root.items.find((p) => isScalar(p.key) && p.key.value === 'pools');
  const pools = poolsPair?.value as Node | null | undefined;
  if (!isMap(pools)) return fail((poolsPair?.key as Node | undefined) ?? root, 'the zone has no "pools:" map');
  const poolPair = pools.items.find((p) => isScalar(p.key) && String(p.key.value) === edit.pool);
  if (!poolPair) {
    const known = pools.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '?'));
    return fail(poolsPair!.key as Node, `no pool "${edit.pool}" in the zone (pools: ${known.join(', ') || 'none'}); add the pool by hand first`);
  }
  const pool = poolPair.value as Node | null;
  const membersPair = isMap(pool) ? pool.items.find((p) => isScalar(p.key) && p.key.value === 'members') : undefined;
  const members = (membersPair?.value ?? null) as Node | null;
  const items = isSeq(members) ? (members.items as Node[]) : [];
  if (members !== null && !isSeq(members) && !(isScalar(members) && members.value === null && members.source === '')) {
    return fail(members, `pool ${edit.pool} members must be a list`);
  }
  const index = items.findIndex((item) => isMap(item) && memberName(item) === edit.member);
  const id = `${edit.pool}/${edit.member}`;

  if (edit.op === 'add') {
    if (index >= 0) return fail(items[index], `pool ${edit.pool} already has a member "${edit.member}"; use "zone member set" to change it`);
    const fields: Array<[string, string | number]> = [['name', edit.member], ...FIELD_ORDER.filter((k) => edit.fields[k] !== undefined).map((k) => [k, edit.fields[k]!] as [string, string | number])];
    if (isSeq(members)) return appendItem(text, members, fields, eol, file);
    const keyNode = (membersPair?.key ?? poolPair.key) as Node;
    if (!membersPair && pool !== null && !(isMap(pool) && !pool.flow) && !(isScalar(pool) && pool.value === null)) {
      return fail(pool, `pool ${edit.pool} is written in a form this edit does not handle; add "members:" by hand`);
    }
    // `members:` with nothing after it, a pool without `members:`, or an empty pool.
    const keyCol = column(text, keyNode.range![0]);
    const indent = ' '.repeat(keyCol + 2);
    const at = lineEnd(text, keyNode.range![0]);
    const prefix = membersPair ? '' : `${indent}members:${eol}`;
    const itemIndent = membersPair ? indent : `${indent}  `;
    const insertAt = membersPair || !isMap(pool) ? at : lineEnd(text, contentEnd(pool) - 1);
    return { start: insertAt, end: insertAt, insert: withLeadingEol(text, insertAt, eol) + prefix + blockItem(fields, itemIndent, `${itemIndent}  `, eol) };
  }

  if (index < 0) {
    const known = items.filter(isMap).map((item) => memberName(item as YAMLMap) ?? '?');
    return fail(members ?? (poolPair.key as Node), `no member ${id} (members of ${edit.pool}: ${known.join(', ') || 'none'})`);
  }
  const item = items[index] as YAMLMap;
  if (edit.op === 'remove') return removeItem(text, members as YAMLSeq, index, file);

  const setFields = FIELD_ORDER.filter((k) => edit.fields[k] !== undefined);
  if (setFields.length === 0) return fail(item, 'nothing to set: give --address, --port, --weight or --host');
  if (setFields.length > 1) throw new Error('planEdit: one field per splice; setMember applies them in turn');
  const key = setFields[0]!;
  const value = edit.fields[key]!;
  const pair = item.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair && isScalar(pair.value) && pair.value.range) {
    const scalar = pair.value;
    return keepCommentColumn(text, { start: scalar.range![0], end: scalar.range![1], insert: scalarText(value, !!item.flow, scalar.type) });
  }
  if (pair) return fail(pair.value as Node, `member ${id} ${key} is not a single value; edit it by hand`);
  return appendPair(text, item, key, value, eol);
}

/**
 * Applies several field changes to one member, one splice each (each splice is planned on the
 * text the previous one produced), then validates once.
 */
export function setMember(text: string, pool: string, member: string, fields: MemberFields, file: string, validate: (text: string) => ReadBack): EditOutcome {
  const keys = FIELD_ORDER.filter((k) => fields[k] !== undefined);
  if (keys.length === 0) throw new SourceError(file, 1, 'nothing to set: give --address, --port, --weight or --host');
  let current = text;
  for (const key of keys.slice(0, -1)) {
    const splice = planEdit(current, { op: 'set', pool, member, fields: { [key]: fields[key] } }, file);
    current = current.slice(0, splice.start) + splice.insert + current.slice(splice.end);
  }
  const last = keys[keys.length - 1]!;
  const outcome = editYamlZone(current, { op: 'set', pool, member, fields: { [last]: fields[last] } }, file, validate);
  checkReadBack({ op: 'set', pool, member, fields }, validate(outcome.text), file, 1);
  return { text: outcome.text, summary: summarize({ op: 'set', pool, member, fields }) };
}

function memberName(item: YAMLMap): string | undefined {
  const value = item.get('name', true);
  return isScalar(value) && value.value !== null ? String(value.value) : undefined;
}

/** Exclusive end offset of a node's own content (without trailing comments and line breaks). */
function contentEnd(node: Node): number {
  if (isMap(node) && !node.flow && node.items.length) {
    const last = node.items[node.items.length - 1]!;
    const value = (isPair(last) ? (last.value ?? last.key) : last) as Node;
    return Math.max(contentEnd(value), (last.key as Node).range![1]);
  }
  if (isSeq(node) && !node.flow && node.items.length) return contentEnd(node.items[node.items.length - 1] as Node);
  return node.range![1];
}

/** The `-` of a block sequence item: the item's content starts after it (and spaces). */
function dashOf(text: string, item: Node, file: string): number {
  let i = item.range![0] - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  if (text[i] !== '-') throw new SourceError(file, lineOf(text, item.range![0]), 'this list item is written in a form the edit does not handle ("- " and the item on one line); edit it by hand');
  return i;
}

/** Plain when YAML reads it back as the same string or number, else double-quoted (JSON is valid YAML). */
export function scalarText(value: string | number, flow: boolean, style?: Scalar['type']): string {
  if (typeof value === 'number') return String(value);
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  const plain = /^[A-Za-z0-9_][A-Za-z0-9._-]*\.?$/.test(value) || (!flow && /^[0-9A-Fa-f][0-9A-Fa-f:.]*[0-9A-Fa-f.]$/.test(value));
  const reserved = /^(?:true|false|null|yes|no|on|off|y|n|~|[-+]?\d[\d_]*(?:\.\d*)?(?:e[-+]?\d+)?|0x[0-9a-f]+|0o[0-7]+|\.inf|\.nan)$/i.test(value);
  if (style === Scalar.QUOTE_DOUBLE || !plain || reserved) return JSON.stringify(value);
  return value;
}

function flowMap(fields: Array<[string, string | number]>, spaced: boolean): string {
  const body = fields.map(([k, v]) => `${k}: ${scalarText(v, true)}`).join(', ');
  return spaced ? `{ ${body} }` : `{${body}}`;
}

function blockItem(fields: Array<[string, string | number]>, dashIndent: string, keyIndent: string, eol: string): string {
  return fields.map(([k, v], i) => `${i === 0 ? `${dashIndent}- ` : keyIndent}${k}: ${scalarText(v, false)}${eol}`).join('');
}

/** A new last item, in the style of the current last item (block or flow map; block or flow list). */
function appendItem(text: string, seq: YAMLSeq, fields: Array<[string, string | number]>, eol: string, file: string): Splice {
  const last = seq.items[seq.items.length - 1] as Node | undefined;
  if (seq.flow) {
    const spacedSeq = /^\[\s/.test(text.slice(seq.range![0], seq.range![1]));
    if (!last) return { start: seq.range![0], end: seq.range![1], insert: spacedSeq ? `[ ${flowMap(fields, true)} ]` : `[${flowMap(fields, true)}]` };
    const spaced = isMap(last) && last.flow ? /^\{\s/.test(text.slice(last.range![0])) : true;
    const end = last.range![1];
    const multiline = lineOf(text, last.range![0]) !== lineOf(text, seq.range![0]);
    const sep = multiline ? `,${eol}${' '.repeat(column(text, last.range![0]))}` : ', ';
    return { start: end, end, insert: `${sep}${flowMap(fields, spaced)}` };
  }
  if (!last) throw new SourceError(file, lineOf(text, seq.range![0]), 'empty block list');
  const dash = dashOf(text, last, file);
  const dashIndent = ' '.repeat(column(text, dash));
  const at = pastContinuationComments(text, lineEnd(text, contentEnd(last) - 1), column(text, dash));
  const lead = withLeadingEol(text, at, eol);
  if (isMap(last) && last.flow) {
    return { start: at, end: at, insert: `${lead}${dashIndent}- ${flowMap(fields, /^\{\s/.test(text.slice(last.range![0])))}${eol}` };
  }
  const keyIndent = ' '.repeat(column(text, last.range![0]));
  return { start: at, end: at, insert: lead + blockItem(fields, dashIndent, keyIndent, eol) };
}

/** A new `key: value` at the end of a member: a line of its own (block) or `, key: value` before `}` (flow). */
function appendPair(text: string, item: YAMLMap, key: string, value: string | number, eol: string): Splice {
  const last = item.items[item.items.length - 1]!;
  if (item.flow) {
    const end = ((last.value ?? last.key) as Node).range![1];
    return { start: end, end, insert: `, ${key}: ${scalarText(value, true)}` };
  }
  const keyCol = column(text, (last.key as Node).range![0]);
  const keyIndent = ' '.repeat(keyCol);
  const at = pastContinuationComments(text, lineEnd(text, contentEnd(item) - 1), keyCol);
  return { start: at, end: at, insert: `${withLeadingEol(text, at, eol)}${keyIndent}${key}: ${scalarText(value, false)}${eol}` };
}

/**
 * Removes item `index`. Block list: its lines, the comment lines right above it at its indentation
 * (they describe it) and those below it indented deeper (they continue its comments); blank lines
 * around stay. Flow list: the item and one comma.
 */
function removeItem(text: string, seq: YAMLSeq, index: number, file: string): Splice {
  const items = seq.items as Node[];
  const item = items[index]!;
  if (seq.flow) {
    if (items.length === 1) return { start: seq.range![0], end: seq.range![1], insert: '[]' };
    if (index < items.length - 1) return { start: item.range![0], end: items[index + 1]!.range![0], insert: '' };
    return { start: contentEnd(items[index - 1]!), end: item.range![1], insert: '' };
  }
  const dash = dashOf(text, item, file);
  const dashCol = column(text, dash);
  let start = lineStart(text, dash);
  for (;;) {
    if (start === 0) break;
    const above = lineStart(text, start - 1);
    const line = text.slice(above, start).replace(/\r?\n$/, '');
    if (!/^\s*#/.test(line) || line.indexOf('#') !== dashCol) break;
    start = above;
  }
  return { start, end: pastContinuationComments(text, lineEnd(text, contentEnd(item) - 1), dashCol), insert: '' };
}
