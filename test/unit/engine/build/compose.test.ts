import { describe, expect, test } from "bun:test";
import { buildDecision, serviceBuildOptions } from "../../../../src/engine/build/compose.ts";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import type { Project } from "../../../../src/engine/compose/model.ts";

describe("when up builds a service (compose build.go, pull.go)", () => {
  test.each([
    ["build-only, image missing", {}, false, "missing", "build"],
    ["build-only, image present", {}, true, "missing", "skip"],
    ["up --build", {}, true, "always", "build"],
    ["up --no-build", {}, false, "never", "skip"],
    ["pull_policy: build", { pull_policy: "build" }, true, "missing", "build"],
    ["image: and build:, missing: pull first", { image: "team/app:1" }, false, "missing", "pull"],
    ["image: and build:, present", { image: "team/app:1" }, true, "missing", "skip"],
    ["image: and build:, pull_policy: always", { image: "team/app:1", pull_policy: "always" }, true, "missing", "pull"],
    ["image: and build:, pull_policy: never", { image: "team/app:1", pull_policy: "never" }, false, "missing", "build"],
  ] as const)("%s → %s", (_what, s, present, policy, expected) => {
    expect(buildDecision(s, present, policy)).toBe(expected);
  });
});

describe("a service's build: as build options", () => {
  const project: Project = {
    name: "shop",
    services: {
      web: {
        environment: {},
        ports: [],
        build: { context: "/src/web", dockerfile: "Dockerfile.prod", args: { A: "1", FROM_ENV: null, UNSET_ONE: null }, target: "prod", secrets: [{ source: "npm", target: "npmrc" }], network: "bridge-x", tags: ["web:latest"], no_cache: true, labels: { team: "core" } },
      },
    },
    networks: {},
    volumes: {},
    secrets: { npm: { name: "shop_npm", file: "/home/u/.npmrc" } },
  };

  test("names the image <project>-<service>, adds compose's labels, secrets by target, args from the environment", () => {
    process.env.FROM_ENV = "env-value";
    delete process.env.UNSET_ONE;
    const reporter = new MemoryReporter();
    const o = serviceBuildOptions(project, "web", project.services.web as never, { buildArgs: { A: "cli" } }, reporter);
    expect(o).toMatchObject({
      context: "/src/web",
      dockerfile: "Dockerfile.prod",
      tags: ["shop-web", "web:latest"],
      buildArgs: { A: "cli", FROM_ENV: "env-value" },
      target: "prod",
      noCache: true,
      secrets: { npmrc: { file: "/home/u/.npmrc" } },
      labels: { team: "core", "com.docker.compose.project": "shop", "com.docker.compose.service": "web" },
      network: "default",
      project: "shop",
    });
    expect(reporter.warnings).toEqual(['service web: build.network "bridge-x" is not supported; RUN steps use the project\'s namespace network']);
  });
});
