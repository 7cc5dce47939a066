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
