import { describe, expect, test } from "bun:test";
import { renderPlan } from "../../../../src/cli/render/plan.ts";
import type { Plan } from "../../../../src/engine/plan/plan.ts";

describe("renderPlan", () => {
  test("shows each level with its services, containers, images and what they wait for", () => {
    const plan: Plan = {
      project: "p",
      levels: [["db", "jobs"], ["web"]],
      services: {
        db: { containers: ["p-db-1"], replicas: 1, image: "postgres", depends_on: {} },
        jobs: { containers: [], replicas: 0, depends_on: {} },
        web: {
          containers: ["p-web-1", "p-web-2"],
          replicas: 2,
          image: "nginx",
          depends_on: {
            db: { condition: "service_healthy", required: true },
            jobs: { condition: "service_completed_successfully", required: false },
          },
        },
      },
    };
    expect(renderPlan(plan)).toBe(
      [
        "project p: 3 services, 3 containers, 2 levels (dry run: nothing was changed)",
        "level 1:",
        "  db    p-db-1  [postgres]",
        "  jobs  (0 replicas)",
        "level 2:",
        "  web   p-web-1, p-web-2  [nginx]  after db healthy, jobs completed",
        "",
      ].join("\n"),
    );
  });

  test("uses singular nouns for one of each", () => {
    const plan: Plan = { project: "p", levels: [["a"]], services: { a: { containers: ["p-a-1"], replicas: 1, depends_on: {} } } };
    expect(renderPlan(plan).split("\n")[0]).toBe("project p: 1 service, 1 container, 1 level (dry run: nothing was changed)");
  });
});
