import { SourceError } from '../../errors.ts';

/**
 * Tokenizer for RFC 1035 §5.1 master-file text. Pure: text in, entries out.
 *
 * A token keeps its presentation form: escapes (`\X`, `\DDD`) stay as written and quotes are
 * removed, because a name and a <character-string> interpret escapes differently (a name splits
 * on unescaped dots first). `quoted` says whether the token was a "quoted string".
 */
export interface Token {
  text: string;
  quoted: boolean;
  line: number;
}

/**
 * One logical entry: a directive or a record, possibly spanning lines inside parentheses.
 * `line` is where the entry starts (errors about the entry report it). `ownerOmitted` is true when
 * the entry's first line starts with a blank, which means "same owner as before" (RFC 1035 §5.1).
 */
export interface Entry {
  line: number;
  ownerOmitted: boolean;
  tokens: Token[];
}

/**
 * Splits `text` into entries. Contract: throws SourceError(file, line, reason) for an unterminated
 * quoted string (line where it opened; a quoted string never spans lines), a `)` with no `(`,
 * nested `(`, or a `(` never closed (line where it opened). Comments (`;` to end of line) and blank
 * lines produce nothing; `\r` counts as a blank so CRLF files work.
 */
export function lex(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let current: Entry | undefined;
  let parenLine = 0; // line of the open `(`, 0 when not inside parentheses
  let atLineStart = true;
  let i = 0;

  const push = (token: Token) => {
    if (!current) current = { line: token.line, ownerOmitted: false, tokens: [] };
    current.tokens.push(token);
  };
  const endEntry = () => {
    if (current && current.tokens.length > 0) entries.push(current);
    current = undefined;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line += 1;
      i += 1;
      if (parenLine === 0) endEntry();
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      // A blank at the very start of an entry's first line means "owner omitted".
      if (atLineStart && parenLine === 0 && !current) current = { line, ownerOmitted: true, tokens: [] };
      atLineStart = false;
      i += 1;
      continue;
    }
    atLineStart = false;
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i += 1;
      continue;
    }
    if (c === '(') {
      if (parenLine !== 0) throw new SourceError(file, line, `nested "(" (the one on line ${parenLine} is still open)`);
      parenLine = line;
      if (!current) current = { line, ownerOmitted: false, tokens: [] };
      i += 1;
      continue;
    }
    if (c === ')') {
      if (parenLine === 0) throw new SourceError(file, line, '")" without a matching "("');
      parenLine = 0;
      i += 1;
      continue;
    }
    if (c === '"') {
      const start = line;
      let j = i + 1;
      let body = '';
      for (;;) {
        const d = text[j];
        if (d === undefined || d === '\n') throw new SourceError(file, start, 'unterminated quoted string');
        if (d === '"') break;
        if (d === '\\') {
          const next = text[j + 1];
          if (next === undefined || next === '\n') throw new SourceError(file, start, 'unterminated quoted string');
          body += d + next;
          j += 2;
          continue;
        }
        body += d;
        j += 1;
      }
      push({ text: body, quoted: true, line: start });
      i = j + 1;
      continue;
    }
    // A bare word: runs until a blank, a special character or the end of the line. A backslash
    // takes the next character literally (`\;`, `\ `, `\(`), so it never ends a word.
    let j = i;
    let word = '';
    for (;;) {
      const d = text[j];
      if (d === undefined || d === '\n' || d === ' ' || d === '\t' || d === '\r' || d === ';' || d === '(' || d === ')' || d === '"') break;
      if (d === '\\') {
        const next = text[j + 1];
        if (next === undefined || next === '\n') throw new SourceError(file, line, 'a backslash at the end of a line escapes nothing');
        word += d + next;
        j += 2;
        continue;
      }
      word += d;
      j += 1;
    }
    push({ text: word, quoted: false, line });
    i = j;
  }
  if (parenLine !== 0) throw new SourceError(file, parenLine, '"(" is never closed');
  endEntry();
  return entries;
}

/**
 * Decodes the escapes of a token into bytes (RFC 1035 §5.1): `\DDD` is the byte DDD (0–255),
 * `\X` is X itself; other characters are their UTF-8 bytes. Throws a plain Error with the reason
 * (callers wrap it with file and line).
 */
export function decodeEscapes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c !== '\\') {
      const cp = text.codePointAt(i)!;
      const chunk = cp < 0x80 ? [cp] : [...Buffer.from(String.fromCodePoint(cp), 'utf8')];
      out.push(...chunk);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const digits = text.slice(i + 1, i + 4);
    if (/^\d/.test(digits)) {
      if (!/^\d{3}$/.test(digits)) throw new Error(`bad escape "\\${digits}": \\DDD needs exactly three digits`);
      const value = Number(digits);
      if (value > 255) throw new Error(`bad escape "\\${digits}": a byte is at most 255`);
      out.push(value);
      i += 4;
      continue;
    }
    const next = text.codePointAt(i + 1);
    if (next === undefined) throw new Error('a backslash at the end of a word escapes nothing');
    out.push(...Buffer.from(String.fromCodePoint(next), 'utf8'));
    i += next > 0xffff ? 3 : 2;
  }
  return Uint8Array.from(out);
}
