import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kittenPaths } from "../../../../src/core/paths.ts";
import { openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore } from "../../../../src/engine/state/project-store.ts";
import { composeEnvironment, pickContainer, resolveTarget, type TargetRequest } from "../../../../src/engine/orchestrate/target.ts";

let base: string;
let paths: ReturnType<typeof kittenPaths>;
const env = {};

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "kitten-target-"));
  paths = kittenPaths({ KITTEN_ROOT: join(base, "root") });
  mkdirSync(join(base, "shop", "deep", "er"), { recursive: true });
  mkdirSync(join(base, "empty"));
  writeFileSync(join(base, "shop", "compose.yaml"), "services:\n  web:\n    image: nginx\n  db:\n    image: postgres\n  tool:\n    image: busybox\n    profiles: [tools]\n");
  writeFileSync(join(base, "shop", ".env"), "COMPOSE_PROJECT_NAME=fromdotenv\nOTHER=x\n");
  const store = new ProjectStore(openStateDb(paths));
  store.saveProject({ name: "recorded", workingDir: "/x", configFiles: [], config: { name: "recorded", services: { api: {}, worker: {} } } });
  for (const [name, replica] of [["recorded-worker-1", 1], ["recorded-worker-2", 2]] as const) {
    store.putContainer({ name, project: "recorded", service: "worker", replica, image: "busybox", status: replica === 1 ? "exited" : "running", restarts: 0, health: "none", manualStop: false });
  }
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const resolve = (req: Partial<TargetRequest> & Pick<TargetRequest, "need">) => resolveTarget({ env, ...req }, { paths });

describe("the target resolver", () => {
  test("finds the compose file walking up, and takes COMPOSE_PROJECT_NAME from its .env", async () => {
    const t = await resolve({ need: "optional", cwd: join(base, "shop"), names: ["web"] });
    expect([t.project, t.services, t.loaded?.files]).toEqual(["fromdotenv", ["web"], [join(base, "shop", "compose.yaml")]]);
    // from below too: once the file is found, the project directory's .env is read again (compose-go)
    const below = await resolve({ need: "optional", cwd: join(base, "shop", "deep", "er") });
    expect(below.project).toBe("fromdotenv");
  });

  test("-p wins over .env and the shell; the shell wins over .env", async () => {
    expect((await resolve({ need: "file", cwd: join(base, "shop"), projectName: "flag" })).project).toBe("flag");
    expect((await resolveTarget({ need: "file", cwd: join(base, "shop"), env: { COMPOSE_PROJECT_NAME: "shell" } }, { paths })).project).toBe("shell");
    expect(composeEnvironment({ cwd: join(base, "shop"), env: {} })).toMatchObject({ COMPOSE_PROJECT_NAME: "fromdotenv" });
    expect(composeEnvironment({ cwd: join(base, "shop"), env: {} }).OTHER).toBeUndefined();
  });

  test("a service in an inactive profile is still a service when named", async () => {
    const t = await resolve({ need: "file", cwd: join(base, "shop"), names: ["tool"] });
    expect(t.services).toEqual(["tool"]);
  });

  test("an unknown service is `no such service` with the closest one", async () => {
    const err = await resolve({ need: "optional", cwd: join(base, "shop"), names: ["wbe"] }).catch((e) => e);
    expect([err.message, err.hint, err.exitCode]).toEqual(["no such service: wbe", 'did you mean "web"?', 2]);
  });

  test("-p alone reads no file: the services are what kitten recorded", async () => {
    const t = await resolve({ need: "optional", cwd: join(base, "shop"), projectName: "recorded", names: ["worker"] });
    expect([t.project, t.loaded, t.knownServices, t.services]).toEqual(["recorded", undefined, ["api", "worker"], ["worker"]]);
  });

  test("a name that is no service is a container when one exists, except under `kitten compose`", async () => {
    const t = await resolve({ need: "optional", cwd: join(base, "shop"), names: ["recorded-worker-2"], fallback: "container" });
    expect([t.services, t.containers]).toEqual([[], ["recorded-worker-2"]]);
    const strict = await resolve({ need: "optional", cwd: join(base, "shop"), names: ["recorded-worker-2"], fallback: "container", strict: true }).catch((e) => e);
    expect(strict.message).toBe("no such service: recorded-worker-2");
  });

  test("with no file and no -p, names are containers; a missing one says so", async () => {
    const t = await resolve({ need: "optional", cwd: join(base, "empty"), names: ["recorded-worker-1"], fallback: "container" });
    expect([t.project, t.containers]).toEqual([undefined, ["recorded-worker-1"]]);
    const err = await resolve({ need: "optional", cwd: join(base, "empty"), names: ["nope"], fallback: "container" }).catch((e) => e);
    expect(err.message).toBe("no such container: nope");
    const file = await resolve({ need: "file", cwd: join(base, "empty") }).catch((e) => e);
    expect(file.code).toBe("no_config");
  });

  test("--index picks a replica; without it the lowest running one", () => {
    expect(pickContainer("recorded", "worker", { running: true }, { paths }).name).toBe("recorded-worker-2");
    expect(pickContainer("recorded", "worker", { index: 1 }, { paths }).name).toBe("recorded-worker-1");
    expect(() => pickContainer("recorded", "worker", { index: 1, running: true }, { paths })).toThrow('service "worker" is not running container #1');
    expect(() => pickContainer("recorded", "api", { running: true }, { paths })).toThrow('service "api" is not running');
  });
});
