import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNetworkPlan, otherProjectsSubnets, removeNetworkPlan, saveNetworkPlan } from "../../../src/net/plan-store.ts";
import type { PlanProject } from "../../../src/net/plan.ts";

let data: string;
beforeEach(() => {
  data = mkdtempSync(join(tmpdir(), "kitten-plans-"));
});
afterEach(() => rmSync(data, { recursive: true, force: true }));

const project = (name: string, networks: PlanProject["networks"] = {}): PlanProject => ({
  name,
  services: { web: Object.keys(networks).length ? { networks: Object.fromEntries(Object.keys(networks).map((k) => [k, null])) } : {} },
  networks,
});

test("gives each project default subnets that no other project's plan uses", () => {
  expect(saveNetworkPlan(data, project("a")).networks.map((n) => n.subnet)).toEqual(["10.89.0.0/24"]);
  expect(saveNetworkPlan(data, project("b")).networks.map((n) => n.subnet)).toEqual(["10.89.1.0/24"]);
  expect(otherProjectsSubnets(data, "a")).toEqual(["10.89.1.0/24"]);
  removeNetworkPlan(data, "a");
  expect(loadNetworkPlan(data, "a")).toBeUndefined();
  expect(saveNetworkPlan(data, project("c")).networks.map((n) => n.subnet)).toEqual(["10.89.0.0/24"]);
});

test("keeps a network's default subnet when the project is planned again", () => {
  saveNetworkPlan(data, project("a", { front: { name: "a_front" } }));
  saveNetworkPlan(data, project("b"));
  removeNetworkPlan(data, "b");
  // planning afresh would hand out 10.89.0.0/24 first; the kept one stays
  const again = saveNetworkPlan(data, project("a", { back: { name: "a_back" }, front: { name: "a_front" } }));
  expect(again.networks.map((n) => [n.key, n.subnet])).toEqual([["back", "10.89.1.0/24"], ["front", "10.89.0.0/24"]]);
});

test("plans afresh when a kept subnet clashes with a newly configured one", () => {
  saveNetworkPlan(data, project("a", { front: { name: "a_front" } }));
  const next = saveNetworkPlan(data, project("a", { front: { name: "a_front" }, fixed: { name: "a_fixed", ipam: { config: [{ subnet: "10.89.0.0/16" }] } } }));
  expect(next.networks.map((n) => [n.key, n.subnet])).toEqual([["fixed", "10.89.0.0/16"], ["front", "10.90.0.0/24"]]);
});

test("concurrent plans of many projects, each in its own process, never share a subnet", async () => {
  // each process plans 4 projects with 3 networks: 12 processes race on one data dir (#14)
  const script = `
    const { saveNetworkPlan } = await import(${JSON.stringify(join(import.meta.dir, "../../../src/net/plan-store.ts"))});
    const [data, id] = process.argv.slice(-2);
    for (let i = 0; i < 4; i++) {
      const networks = { a: { name: "a" }, b: { name: "b" }, c: { name: "c" } };
      saveNetworkPlan(data, { name: \`p\${id}x\${i}\`, services: { web: { networks: { a: null, b: null, c: null } } }, networks });
    }`;
  const procs = Array.from({ length: 12 }, (_, id) => Bun.spawn([process.execPath, "-e", script, data, String(id)], { stderr: "pipe" }));
  const codes = await Promise.all(procs.map((p) => p.exited));
  expect(codes.every((c) => c === 0)).toBe(true);
  const subnets: string[] = [];
  for (let id = 0; id < 12; id++) for (let i = 0; i < 4; i++) subnets.push(...loadNetworkPlan(data, `p${id}x${i}`)!.map((n) => n.subnet));
  expect(subnets.length).toBe(144);
  expect(new Set(subnets).size).toBe(144);
});
