/**
 * What a draft would change in a running project (pure): which services it adds, removes or
 * changes, and a unified line diff of the two compose files (an LCS over lines; drafts are a few
 * hundred lines at most, so the quadratic table is small).
 */
import type { Project } from "../engine/compose/model.ts";
import { composeDocument, renderDraft } from "../ai/draft.ts";

export interface ServiceChange {
  service: string;
  change: "added" | "removed" | "changed";
}

export function serviceChanges(before: Project, after: Project): ServiceChange[] {
  const a = composeDocument(before).services as Record<string, unknown>;
  const b = composeDocument(after).services as Record<string, unknown>;
  const out: ServiceChange[] = [];
  for (const s of Object.keys(b).sort()) {
    if (!(s in a)) out.push({ service: s, change: "added" });
    else if (JSON.stringify(a[s]) !== JSON.stringify(b[s])) out.push({ service: s, change: "changed" });
  }
  for (const s of Object.keys(a).sort()) if (!(s in b)) out.push({ service: s, change: "removed" });
  return out;
}

/** `--- a` / `+++ b` / lines prefixed " ", "-", "+" (every line, no hunks: drafts are short). */
export function lineDiff(before: string, after: string, names: [string, string] = ["running", "draft"]): string {
  const a = before.replace(/\n$/, "").split("\n");
  const b = after.replace(/\n$/, "").split("\n");
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out = [`--- ${names[0]}`, `+++ ${names[1]}`];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(` ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+${b[j++]}`);
    else out.push(`-${a[i++]}`);
  }
  return `${out.join("\n")}\n`;
}

export function projectDiff(before: Project, after: Project): { against: string; changes: ServiceChange[]; text: string } {
  return { against: before.name, changes: serviceChanges(before, after), text: lineDiff(renderDraft(before, "yaml"), renderDraft(after, "yaml")) };
}
