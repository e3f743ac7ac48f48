import { expect, test } from "bun:test";
import { chaosReport, dependentsOf, renderChaosReport } from "../../../../src/engine/chaos/report.ts";
import type { ProjectEvent } from "../../../../src/engine/state/project-store.ts";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const ev = (ms: number, action: ProjectEvent["action"], container: string, extra: Partial<ProjectEvent> = {}): ProjectEvent => ({
  id: ms,
  time: new Date(t0 + ms).toISOString(),
  project: "shop",
  service: container.split("-")[1],
  container,
  action,
  ...extra,
});

test("finds the services depending on one, through others too", () => {
  const services = { db: {}, api: { depends_on: { db: {} } }, web: { depends_on: { api: {} } }, other: {} };
  expect(dependentsOf(services, "db")).toEqual(["api", "web"]);
  expect(dependentsOf(services, "web")).toEqual([]);
});

test("reads restarts, health transitions, affected dependents and the time to recover from the events after the action", () => {
  const events = [
    ev(-500, "start", "shop-db-1"),
    ev(10, "die", "shop-db-1", { exitCode: 137 }),
    ev(11, "restart", "shop-db-1", { detail: "in 100ms (restart 1)" }),
    ev(120, "start", "shop-db-1"),
    ev(300, "health_status", "shop-api-1", { detail: "unhealthy", exitCode: 1 }),
    ev(900, "health_status", "shop-api-1", { detail: "healthy" }),
  ];
  const r = chaosReport({ project: "shop", action: "kill", service: "db", targets: ["shop-db-1"], at: t0, events, dependents: ["api", "web"], recoveredAt: t0 + 130 });
  expect(r.events.map((e) => e.action)).toEqual(["die", "restart", "start", "health_status", "health_status"]);
  expect(r.restarts).toEqual({ "shop-db-1": 1 });
  expect(r.health).toEqual([
    { container: "shop-api-1", status: "unhealthy", time: "2026-01-01T00:00:00.300Z" },
    { container: "shop-api-1", status: "healthy", time: "2026-01-01T00:00:00.900Z" },
  ]);
  expect(r.dependentsAffected).toEqual(["api"]);
  expect(r.recoveredAfterMs).toBe(130);
  const text = renderChaosReport(r);
  expect(text).toContain("chaos kill on db (shop-db-1)");
  expect(text).toContain("  +10ms die shop-db-1 exit 137");
  expect(text).toContain("restarts: shop-db-1 ×1");
  expect(text).toContain("dependents affected: api");
  expect(text).toContain("recovered after 130 ms");
});

test("says when it did not recover within the watch", () => {
  const r = chaosReport({ project: "shop", action: "stop", service: "db", targets: ["shop-db-1"], at: t0, events: [], dependents: [] });
  expect(r.recoveredAfterMs).toBeNull();
  expect(renderChaosReport(r)).toContain("recovered: not within the watch");
});
