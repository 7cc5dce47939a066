/**
 * "Did you mean" for mistyped flags (yargs suggests commands, not options). Pure: the unknown
 * arguments come from yargs' `Unknown argument(s): a, b` message and the known options from the
 * failing command's option descriptions. A suggestion needs an edit distance ≤ 2 (or a shared
 * prefix of ≥ 4 letters, e.g. `--zone` for `--zones`), so a wild guess gets none.
 */
export function flagSuggestions(message: string, known: readonly string[]): string[] {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message.trim());
  if (!unknown) return [];
  const options = known.filter((k) => k.length > 1 && !/^\$\d/.test(k));
  const hints: string[] = [];
  for (const raw of unknown[1]!.split(', ')) {
    const word = raw.replace(/^-+/, '').replace(/=.*$/, '');
    let best: { option: string; distance: number } | undefined;
    for (const option of options) {
      const distance = editDistance(word, option);
      const prefixed = word.length >= 4 && (option.startsWith(word) || word.startsWith(option));
      if ((distance <= 2 || prefixed) && (!best || distance < best.distance)) best = { option, distance };
    }
    if (best) hints.push(`--${word}: did you mean --${best.option}?`);
  }
  return hints;
}

/** Levenshtein distance (insert, delete, substitute: 1 each). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
