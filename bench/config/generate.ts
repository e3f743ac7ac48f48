/**
 * Writes a generated compose file with N services (default 300) for the loading and planning
 * benchmark: every service has an image, environment (with interpolation), a published port,
 * a healthcheck, labels, a volume and one or two networks, and depends on s(i/2) and s(i/3) —
 * a graph nine levels deep with shared dependencies.
 *   bun bench/config/generate.ts <out.yaml> [services]
 */
import { writeFileSync } from "node:fs";

export function generateCompose(count: number): string {
  const lines = ["name: bench", "services:"];
  for (let i = 1; i <= count; i++) {
    const deps = [...new Set([Math.floor(i / 2), Math.floor(i / 3)])].filter((d) => d >= 1);
    lines.push(
      `  s${i}:`,
      `    image: registry.example/app-${i % 7}:\${TAG:-1.${i % 10}}`,
      `    command: ["serve", "--port", "80", "--name", "s${i}"]`,
      "    environment:",
      `      SERVICE: s${i}`,
      "      LOG_LEVEL: ${LOG_LEVEL:-info}",
      `    ports: ["127.0.0.1:${20000 + i}:80"]`,
      "    healthcheck:",
      '      test: ["CMD", "wget", "-q", "-O-", "http://localhost/health"]',
      "      interval: 10s",
      "      timeout: 2s",
      "      retries: 3",
      "    labels:",
      `      bench.index: "${i}"`,
      `    volumes: ["data-${i % 10}:/data"]`,
      `    networks: [${i % 2 === 0 ? "front, back" : "back"}]`,
    );
    if (deps.length > 0) {
      lines.push("    depends_on:");
      for (const d of deps) lines.push(`      s${d}: { condition: ${d % 5 === 0 ? "service_healthy" : "service_started"} }`);
    }
  }
  lines.push("networks:", "  front: {}", "  back: {}", "volumes:");
  for (let v = 0; v < 10; v++) lines.push(`  data-${v}: {}`);
  return `${lines.join("\n")}\n`;
}

if (import.meta.main) {
  const [out, n] = process.argv.slice(2);
  if (!out) {
    console.error("usage: bun bench/config/generate.ts <out.yaml> [services]");
    process.exit(2);
  }
  writeFileSync(out, generateCompose(Number(n ?? 300)));
}
