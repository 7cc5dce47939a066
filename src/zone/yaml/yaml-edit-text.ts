/**
 * Offsets, lines and splices of a text (pure), for yaml-edit.ts: an edit is one splice, and an
 * error the parser finds in the edited text is reported at the matching line of the original.
 */

/** Replace `text.slice(start, end)` with `insert`. */
export interface Splice {
  start: number;
  end: number;
  insert: string;
}

/** 1-based line of `offset`. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function newlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Maps a line of the edited text to the line of the original: lines before the splice are the
 * same, lines after it shift by the lines it added or removed, and a line inside the inserted text
 * maps to where the insertion happens (`inEdit`).
 */
export function spliceLineMapper(original: string, splice: Splice): (line: number) => { line: number; inEdit: boolean } {
  const first = lineOf(original, splice.start);
  const added = newlines(splice.insert);
  const removed = newlines(original.slice(splice.start, splice.end));
  // An insertion at a line start that ends with a line break occupies whole lines first..first+added-1.
  const wholeLines = (splice.start === 0 || original[splice.start - 1] === '\n') && splice.insert.endsWith('\n');
  const lastEdited = wholeLines ? first + added - 1 : first + added;
  return (line) => {
    if (line < first) return { line, inEdit: false };
    if (line > lastEdited) return { line: line - added + removed, inEdit: false };
    return { line: first, inEdit: splice.insert.length > 0 };
  };
}

/**
 * A value replaced before a trailing comment (`weight: 100     # share`) keeps the comment in its
 * column: the spaces between shrink or grow by the difference in length (at least one stays).
 */
export function keepCommentColumn(text: string, splice: Splice): Splice {
  const gap = /^[ \t]*/.exec(text.slice(splice.end))![0];
  if (gap.length === 0 || text[splice.end + gap.length] !== '#' || gap.includes('\t')) return splice;
  const spaces = Math.max(1, gap.length + (splice.end - splice.start) - splice.insert.length);
  return { start: splice.start, end: splice.end + gap.length, insert: splice.insert + ' '.repeat(spaces) };
}

/**
 * From a line start, past the comment-only lines indented deeper than `column`: they continue the
 * comment of the entry above (a long trailing comment wrapped onto the next lines).
 */
export function pastContinuationComments(text: string, offset: number, column: number): number {
  let at = offset;
  for (;;) {
    const end = lineEnd(text, at);
    const match = /^([ ]*)#/.exec(text.slice(at, end));
    if (at >= text.length || !match || match[1]!.length <= column) return at;
    at = end;
  }
}

/** 0-based column of `offset` in its line. */
export function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** Offset where the line holding `offset` starts. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just after the line break that ends the line holding `offset` (the text's end if none). */
export function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

/** A line break first when inserting at the end of a text that does not end with one. */
export function withLeadingEol(text: string, at: number, eol: string): string {
  return at === text.length && text.length > 0 && !text.endsWith('\n') ? eol : '';
}
