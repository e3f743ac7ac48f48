/** A supervisor wired to the fake runtime, fake clock and a real sqlite store in a temp dir. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore } from "../../../../src/engine/state/project-store.ts";
import { ProjectSupervisor, type ServicePolicy } from "../../../../src/engine/supervisor/supervisor.ts";
import type { ContainerSpec } from "../../../../src/engine/runtime/types.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeRuntime, type Program } from "../orchestrate/fake-runtime.ts";

export interface Harness {
  dir: string;
  clock: FakeClock;
  runtime: FakeRuntime;
  store: ProjectStore;
  reporter: MemoryReporter;
  policies: Record<string, ServicePolicy>;
  supervisor: ProjectSupervisor;
  newSupervisor(): ProjectSupervisor;
  cleanup(): void;
}

export function harness(programs: Record<string, Program>, policies: Record<string, Partial<ServicePolicy>>): Harness {
  const dir = mkdtempSync(join(tmpdir(), "kitten-sup-"));
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock, programs);
  const store = new ProjectStore(openStateDb({ data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") }));
  const reporter = new MemoryReporter();
  const full: Record<string, ServicePolicy> = {};
  for (const [k, v] of Object.entries(policies)) full[k] = { restart: { name: "no" }, stopGraceMs: 10_000, ...v };
  const make = () =>
    new ProjectSupervisor({ project: "demo", runtime, store, clock, reporter, policy: (s) => full[s] });
  const h: Harness = {
    dir,
    clock,
    runtime,
    store,
    reporter,
    policies: full,
    supervisor: make(),
    newSupervisor: make,
    cleanup() {
      closeStateDbs();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export function spec(service: string, replica = 1): ContainerSpec {
  return { name: `demo-${service}-${replica}`, project: "demo", service, replica, image: `${service}-image`, env: {}, configHash: "h" };
}

export async function run(h: Harness, service: string, replica = 1) {
  await h.supervisor.create(spec(service, replica));
  return h.supervisor.start(`demo-${service}-${replica}`);
}

/** container events as "action[ exitCode][ detail]" lines */
export function events(h: Harness, container?: string): string[] {
  return h.store
    .listEvents({ project: "demo" })
    .filter((e) => container === undefined || e.container === container)
    .map((e) => [e.action, e.detail, e.exitCode].filter((x) => x !== undefined).join(" "));
}
