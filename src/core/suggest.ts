import { InvalidInputError } from "./errors.ts";

/**
 * "did you mean" suggestions for misspelled names (services, networks, keys, commands), by
 * Levenshtein distance with adjacent swaps counted as one edit ("wbe" → "web") — the same idea
 * git and docker compose use for unknown names.
 */

/**
 * Edit distance between two strings: insertions, deletions, substitutions, and swaps of two
 * adjacent characters (optimal string alignment distance).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate to `word`, when it is close enough to be a plausible typo: at most a
 * third of the word's length in edits (at least one edit). Ties go to the alphabetically first.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d > limit) continue;
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `did you mean "db"?`, or undefined when there is nothing close. */
export function didYouMeanHint(word: string, candidates: Iterable<string>): string | undefined {
  const match = didYouMean(word, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}

/** docker compose's `no such service: X` (exit 2), with the closest service or the list of them. */
export function noSuchService(name: string, known: string[], fallbackHint?: string): InvalidInputError {
  return new InvalidInputError(`no such service: ${name}`, {
    code: "no_such_service",
    hint: didYouMeanHint(name, known) ?? fallbackHint ?? (known.length ? `the services are: ${known.join(", ")}` : "the project has no services"),
  });
}
