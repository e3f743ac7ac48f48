/** Renderers of `kitten kube`: the table of dropped and approximated keys (stderr), apply results. */
import type { Finding } from "../../engine/kube/findings.ts";

export function renderFindings(findings: Finding[], title: string): string {
  if (findings.length === 0) return "";
  const rows = findings.map((f) => [f.subject, f.key, f.treatment, f.detail]);
  const head = ["WHAT", "KEY", "TREATMENT", "DETAIL"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  const dropped = findings.filter((f) => f.treatment === "dropped").length;
  return [`${title}: ${dropped} dropped, ${findings.length - dropped} approximated`, line(head), ...rows.map(line), ""].join("\n");
}
