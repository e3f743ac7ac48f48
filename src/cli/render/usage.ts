/** Text tables for `top` and `stats`. */
import { CLOCK_TICKS, type ContainerUsage, type ProcInfo } from "../../engine/orchestrate/proc-stats.ts";

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

function cpuTime(ticks: number): string {
  const s = Math.floor(ticks / CLOCK_TICKS);
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function renderTop(result: Array<{ container: string; processes: ProcInfo[] }>): string {
  return result
    .map(({ container, processes }) =>
      `${container}\n${table(["UID", "PID", "PPID", "TIME", "CMD"], processes.map((p) => [String(p.uid), String(p.pid), String(p.ppid), cpuTime(p.cpuTicks), p.argv.join(" ") || `[${p.comm}]`]))}`,
    )
    .join("\n");
}

export function memText(kb: number): string {
  if (kb >= 1024 * 1024) return `${(kb / 1024 / 1024).toFixed(2)}GiB`;
  if (kb >= 1024) return `${(kb / 1024).toFixed(2)}MiB`;
  return `${kb}KiB`;
}

export function renderStats(usage: ContainerUsage[]): string {
  return table(["NAME", "CPU %", "MEM USAGE", "PIDS"], usage.map((u) => [u.container, `${u.cpuPercent.toFixed(2)}%`, memText(u.memoryKb), String(u.pids)]));
}
