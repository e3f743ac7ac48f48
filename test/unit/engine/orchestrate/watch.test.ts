import { describe, expect, test } from "bun:test";
import type { Project } from "../../../../src/engine/compose/model.ts";
import { planBatch, ruleMatches, watchedServices } from "../../../../src/engine/orchestrate/watch.ts";

const project = (watch: unknown[]): Project =>
  ({ name: "p", networks: {}, volumes: {}, services: { app: { environment: {}, ports: [], develop: { watch } }, db: { environment: {}, ports: [] } } }) as unknown as Project;

describe("watch rules", () => {
  test.each([
    ["src/a.ts", true],
    [".git/HEAD", false],
    ["src/.a.ts.swp", false],
    ["src/a.ts~", false],
    ["node_modules/x/index.js", false],
    ["build/out.js", false],
    ["build/keep.js", true],
  ])("%s is acted on: %p", (rel, expected) => {
    expect(ruleMatches({ ignore: ["node_modules/", "build", "!build/keep.js"] }, rel)).toBe(expected);
  });

  test("include keeps only what it names", () => {
    expect(ruleMatches({ include: ["*.py"] }, "app.py")).toBe(true);
    expect(ruleMatches({ include: ["*.py"] }, "app.js")).toBe(false);
  });

  test("a batch syncs what exists and removes what is gone, under the rule's target", () => {
    const p = project([{ path: "/src", action: "sync+restart", target: "/app", ignore: ["*.tmp"] }]);
    const plans = planBatch(p, ["app"], ["/src/a.py", "/src/gone.py", "/src/x.tmp", "/elsewhere/b.py"], (f) => f !== "/src/gone.py");
    expect(plans).toEqual([{ service: "app", rule: p.services.app!.develop!.watch![0]!, sync: [["/src/a.py", "/app/a.py"]], remove: ["/app/gone.py"] }]);
  });

  test("refuses what compose refuses: nothing to watch, rebuild without a build context", () => {
    expect(() => watchedServices(project([]), [])).toThrow("none of the selected services is configured for watch, consider setting a 'develop' section");
    expect(() => watchedServices(project([{ path: "/src", action: "rebuild" }]), [])).toThrow(`can't watch service "app" with action rebuild without a build context`);
    expect(watchedServices(project([{ path: "/src", action: "restart" }]), [])).toEqual(["app"]);
  });
});
