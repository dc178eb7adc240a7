/**
 * "Did you mean": the nearest known words to a mistyped one, by edit distance. Used for config keys,
 * regions, command-line options and commands alike, so every suggestion reads the same.
 */

/** Levenshtein distance (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known words closest to `word`, when close enough to be a typo: at most a third of the
 * word's length apart (at least 1, at most 3). Case is ignored when comparing.
 */
export function nearest(word: string, known: Iterable<string>): string[] {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best = Infinity;
  let found: string[] = [];
  for (const k of new Set(known)) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d > limit || d > best) continue;
    if (d < best) {
      best = d;
      found = [];
    }
    found.push(k);
  }
  return found;
}

/** ` (did you mean "x"?)`, ` (did you mean one of "x", "y"?)`, or '' when nothing is close. */
export function didYouMean(word: string, known: Iterable<string>, quote = (s: string) => `"${s}"`): string {
  const n = nearest(word, known);
  if (n.length === 0) return '';
  return n.length === 1 ? `; did you mean ${quote(n[0])}?` : `; did you mean one of ${n.map(quote).join(', ')}?`;
}
