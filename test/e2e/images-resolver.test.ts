/**
 * The ImageResolver contract the runtime builds on (src/engine/image/types.ts), exercised through
 * the engine API against a real registry and real archives: layer dirs lowest first that exist,
 * the image config, pull policies, local sources, and pullMissing's parallel, de-duplicated pulls.
 * (The unpacker still runs for real in a user namespace, as `bun src/cli/main.ts __unpack`.)
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { OciLayoutWriter } from "../fixtures/oci-layout.ts";
import { fixtureImage } from "../fixtures/images.ts";
import { dockerArchive, tarDirectory } from "../fixtures/archives.ts";
import { userNamespace } from "../fixtures/tree.ts";
import { Images, pullMissing } from "../../src/engine/image/resolver.ts";
import { kittenPaths } from "../../src/core/paths.ts";
import { MemoryReporter } from "../../src/core/reporter.ts";
import { InvalidInputError } from "../../src/core/errors.ts";
import { closeStateDbs } from "../../src/engine/state/db.ts";

let registry: Registry;
let work: string;
let paths: ReturnType<typeof kittenPaths>;
const savedMirror = process.env.KITTEN_REGISTRY_MIRROR;

beforeAll(async () => {
  registry = await startRegistry();
  await Promise.all([registry.pushBusyboxImage("nginx"), registry.pushBusyboxImage("postgres:16"), registry.pushBusyboxImage("redis")]);
  process.env.KITTEN_REGISTRY_MIRROR = registry.mirrorEnv.KITTEN_REGISTRY_MIRROR;
  work = mkdtempSync(join(tmpdir(), "kitten-resolver-"));
  paths = kittenPaths({ KITTEN_ROOT: join(work, "root") });
  const w = new OciLayoutWriter(join(work, "layout"));
  w.tag("v1", w.image(fixtureImage("nginx")));
  tarDirectory(join(work, "layout"), join(work, "layout.tar"));
  dockerArchive(join(work, "docker.tar"), { tags: ["saved/app:2"], config: { Cmd: ["echo", "hi"] }, layers: [[{ path: "hello", type: "file", content: "hi\n" }]] });
  mkdirSync(join(work, "rootfs/bin"), { recursive: true });
});

afterAll(async () => {
  if (savedMirror === undefined) delete process.env.KITTEN_REGISTRY_MIRROR;
  else process.env.KITTEN_REGISTRY_MIRROR = savedMirror;
  closeStateDbs();
  Bun.spawnSync([...userNamespace(), "rm", "-rf", join(work, "root")]);
  rmSync(work, { recursive: true, force: true });
  await registry.stop();
});

describe("ImageResolver", () => {
  test("pulls a missing image and returns its existing layer dirs, lowest first, and its config", async () => {
    const images = new Images({ paths });
    const img = await images.resolve("nginx", { pull: "missing" });
    expect(img.ref).toBe("docker.io/library/nginx:latest");
    expect(img.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(img.layers).toHaveLength(2);
    expect(img.layers.every((l) => existsSync(l))).toBe(true);
    expect(existsSync(join(img.layers[0]!, "bin/busybox"))).toBe(true);
    expect(existsSync(join(img.layers[1]!, "www/index.html"))).toBe(true);
    expect(img.config.Entrypoint).toEqual(["httpd", "-f", "-p", "80", "-h", "/www"]);
  });

  test("with --pull never, resolves a present image and refuses a missing one", async () => {
    const images = new Images({ paths });
    await images.resolve("nginx", { pull: "missing" });
    expect((await images.resolve("nginx:latest", { pull: "never" })).ref).toBe("docker.io/library/nginx:latest");
    const err = await images.resolve("redis", { pull: "never" }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe("image docker.io/library/redis:latest is not present locally");
    expect(err.hint).toContain("kitten pull redis");
  });

  test("with --pull always, asks the registry again", async () => {
    await new Images({ paths }).resolve("nginx", { pull: "missing" });
    const reporter = new MemoryReporter();
    const img = await new Images({ paths, reporter }).resolve("nginx", { pull: "always" });
    expect(img.layers).toHaveLength(2);
    expect(reporter.events.filter((e) => e.type === "progress" && e.action === "already exists")).toHaveLength(2);
  });

  test("with --pull missing, asks the registry again when the local image is for another platform", async () => {
    await new Images({ paths }).resolve("nginx", { pull: "missing" });
    const reporter = new MemoryReporter();
    const img = await new Images({ paths, reporter }).resolve("nginx", { pull: "missing", platform: "linux/arm64" });
    // the fixture is a single amd64 manifest: pulled again, and used with a warning as docker does
    expect(reporter.warnings).toEqual(["docker.io/library/nginx:latest is for linux/amd64, not the requested linux/arm64"]);
    expect(img.layers).toHaveLength(2);
    const quiet = new MemoryReporter();
    await new Images({ paths, reporter: quiet }).resolve("nginx", { pull: "missing", platform: "linux/amd64" });
    expect(quiet.events).toEqual([]);
  });

  test("uses a directory rootfs in place, relative to the project", async () => {
    const img = await new Images({ paths, cwd: work }).resolve("./rootfs");
    expect(img).toEqual({ ref: join(work, "rootfs"), id: expect.stringMatching(/^sha256:/), layers: [join(work, "rootfs")], config: {} });
    const missing = await new Images({ paths, cwd: work }).resolve("./nope").catch((e) => e);
    expect(missing.message).toBe(`image directory ${join(work, "nope")} does not exist`);
  });

  test.each([
    ["a docker-archive", () => `docker-archive:${join(work, "docker.tar")}`, "docker.io/saved/app:2", 1],
    ["an OCI layout", () => `oci:${join(work, "layout")}:v1`, undefined, 2],
    ["an OCI archive", () => `oci-archive:${join(work, "layout.tar")}:v1`, undefined, 2],
  ] as const)("loads %s into the store", async (_kind, ref, name, layers) => {
    const img = await new Images({ paths }).resolve(ref());
    expect(img.layers).toHaveLength(layers);
    expect(img.layers.every((l) => existsSync(l))).toBe(true);
    if (name) expect(img.ref).toBe(name);
  });

  test("pullMissing reports every image that cannot be had, in the order given", async () => {
    const err = await pullMissing(["nginx", `${registry.host}/library/nope:1`, "redis", `${registry.host}/library/gone:2`], "missing", new MemoryReporter(), { paths }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe(
      `2 images are not available: ${registry.host}/library/nope:1: image ${registry.host}/library/nope:1 not found: manifest unknown; ${registry.host}/library/gone:2: image ${registry.host}/library/gone:2 not found: manifest unknown`,
    );
  });

  test("pullMissing pulls a project's images in parallel, each once", async () => {
    const reporter = new MemoryReporter();
    const out = await pullMissing(["postgres:16", "redis", "postgres:16", "nginx"], "missing", reporter, { paths });
    expect([...out.keys()].sort()).toEqual(["nginx", "postgres:16", "redis"]);
    expect(out.get("redis")?.config.ExposedPorts).toEqual({ "6379/tcp": {} });
    expect(out.get("postgres:16")?.ref).toBe("docker.io/library/postgres:16");
  });
});
