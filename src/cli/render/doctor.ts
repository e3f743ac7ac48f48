/** Text form of `kitten doctor`: one aligned line per check, its fix under it, then the verdict. */
import type { DoctorReport } from "../../engine/doctor/index.ts";

export function renderDoctor(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length)) + 2;
  const lines: string[] = [];
  for (const c of report.checks) {
    const optional = c.status !== "ok" && !c.required ? " (optional)" : "";
    lines.push(`${c.status.padEnd(6)}${c.name.padEnd(width)}${c.detail}${optional}`);
    if (c.fix && c.status !== "ok") lines.push(`${" ".repeat(6 + width)}fix: ${c.fix}`);
  }
  lines.push("");
  lines.push(`runtime: ${report.runtime ?? "none (neither runc nor crun can run a container here)"}`);
  const warnings = report.checks.filter((c) => c.status === "warn" || (c.status === "fail" && !c.required)).length;
  if (report.ok) lines.push(`kitten can run containers here${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : ""}`);
  return `${lines.join("\n")}\n`;
}

/** Names of the required checks that failed. */
export function failedRequired(report: DoctorReport): string[] {
  return report.checks.filter((c) => c.status === "fail" && c.required).map((c) => c.name);
}
