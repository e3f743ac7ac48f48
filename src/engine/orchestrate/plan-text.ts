/**
 * The reconcile plan as text: what `up --dry-run` prints, what golden tests compare, and the
 * vocabulary the progress display uses (docker compose renders its plan the same way).
 */
import type { Action, ReconcilePlan } from "./reconcile.ts";

const VERB: Record<Action["kind"], string> = {
  create: "create",
  recreate: "recreate",
  start: "start",
  restart: "restart",
  keep: "unchanged",
  remove: "remove",
};

function detail(a: Action): string {
  switch (a.kind) {
    case "recreate":
    case "restart":
      return a.reason;
    case "remove":
      return a.reason;
    case "keep":
      return "running";
    default:
      return "";
  }
}

export function renderPlan(plan: ReconcilePlan): string {
  const lines: string[] = [`project ${plan.project}`];
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  if (plan.steps.length === 0) lines.push("  nothing to do");
  const width = Math.max(0, ...plan.steps.flatMap((s) => s.actions.map((a) => a.container.length)));
  for (const step of plan.steps) {
    lines.push(step.level < 0 ? "orphans:" : `level ${step.level}:`);
    for (const a of step.actions) {
      const d = detail(a);
      lines.push(`  ${VERB[a.kind].padEnd(9)} ${d ? `${a.container.padEnd(width)}  (${d})` : a.container}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
