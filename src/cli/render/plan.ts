/** Text form of a start plan (`kitten up --dry-run`): levels in start order, containers per service. */
import type { Plan } from "../../engine/plan/plan.ts";

const CONDITION: Record<string, string> = {
  service_started: "started",
  service_healthy: "healthy",
  service_completed_successfully: "completed",
};

export function renderPlan(plan: Plan): string {
  const services = Object.values(plan.services);
  const containers = services.reduce((n, s) => n + s.containers.length, 0);
  const lines = [
    `project ${plan.project}: ${count(services.length, "service")}, ${count(containers, "container")}, ${count(plan.levels.length, "level")} (dry run: nothing was changed)`,
  ];
  const width = Math.max(0, ...Object.keys(plan.services).map((n) => n.length)) + 2;
  plan.levels.forEach((level, i) => {
    lines.push(`level ${i + 1}:`);
    for (const name of level) {
      const s = plan.services[name]!;
      const names = s.containers.length > 0 ? s.containers.join(", ") : "(0 replicas)";
      const waits = Object.entries(s.depends_on).map(([dep, d]) => `${dep} ${CONDITION[d.condition] ?? d.condition}`);
      const after = waits.length > 0 ? `  after ${waits.join(", ")}` : "";
      lines.push(`  ${name.padEnd(width)}${names}${s.image ? `  [${s.image}]` : ""}${after}`);
    }
  });
  return `${lines.join("\n")}\n`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
