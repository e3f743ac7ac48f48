/**
 * Images end to end, as root and as the unprivileged `kittest`: the compiled binary pulls from a
 * real docker-registry through the docker.io mirror setting, and the unpacked layers — merged by a
 * real overlay mount inside the user namespace — must equal `umoci unpack` of the same image:
 * paths, types, modes, owners (uid 999 stays 999), symlink targets, content hashes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kitten, removeRoot, tempRoot, userIds, type RunResult } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { OciLayoutWriter } from "../fixtures/oci-layout.ts";
import { busyboxBaseLayer, richImage } from "../fixtures/images.ts";
import { snapshotOverlay, subIds, umociTree, userNamespace } from "../fixtures/tree.ts";
import type { TreeEntry } from "../fixtures/tree-walk.ts";

let registry: Registry;
let layout: string;

beforeAll(async () => {
  registry = await startRegistry();
  layout = mkdtempSync(join(tmpdir(), "kitten-images-layout-"));
  chmodSync(layout, 0o755); // umoci runs as kittest too
  const w = new OciLayoutWriter(layout);
  w.tag("rich", w.image(richImage({ zstd: false })));
  w.tag("rich-zstd", w.image(richImage({ zstd: true })));
  const archImage = (architecture: string) => {
    const base = busyboxBaseLayer();
    return w.image({ architecture, layers: [base, { entries: [{ path: "arch", type: "file", content: `${architecture}\n` }] }], config: { Cmd: ["sh"] } });
  };
  w.tag("multi", w.imageIndex([archImage("amd64"), archImage("arm64")]));
  await Promise.all([
    registry.pushLayout(layout, "rich", "library/rich:1"),
    registry.pushLayout(layout, "rich-zstd", "library/rich:zstd"),
    registry.pushLayout(layout, "multi", "team/multi:1", { all: true }),
    registry.pushLayout(layout, "rich", "docker/rich:1", { format: "v2s2" }),
    registry.pushLayout(layout, "multi", "docker/multi:1", { all: true, format: "v2s2" }),
  ]);
  for (const d of readdirSync(layout, { recursive: true }) as string[]) chmodSync(join(layout, d), statSync(join(layout, d)).isDirectory() ? 0o755 : 0o644);
});

afterAll(async () => {
  await registry?.stop();
  if (layout) rmSync(layout, { recursive: true, force: true });
});

/** Drops what legitimately differs between two unpackers: the root dir itself. */
function comparable(tree: TreeEntry[]): TreeEntry[] {
  return tree.filter((e) => e.path !== ".");
}

interface Inspect {
  Id: string;
  RepoTags: string[];
  Layers: { path: string; diffId: string }[];
  Config: { User?: string };
}

for (const user of [undefined, "kittest"] as const) {
  describe(`images as ${user ?? "root"}`, () => {
    let root: string;
    const owner = user ? userIds(user) : undefined;
    const run = (args: string[], extra: Record<string, string> = {}): Promise<RunResult> =>
      kitten(args, { user, env: { ...registry.mirrorEnv, KITTEN_ROOT: root, ...extra } });
    /** each test pulls what it needs (a no-op when an earlier test did), so tests run alone too */
    const pulled = async (...args: string[]) => {
      const r = await run(["pull", "--quiet", ...args]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
    };
    const inspect = async (ref: string): Promise<Inspect> => {
      const r = await run(["image", "inspect", ref]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as Inspect[])[0]!;
    };

    beforeAll(() => {
      root = tempRoot(owner);
    });
    afterAll(async () => {
      // layer files are owned by subordinate ids: remove them from inside the namespace
      Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
      removeRoot(root);
    });

    test("pulls through the docker.io mirror and unpacks exactly what umoci unpacks", async () => {
      const pulled = await run(["pull", "rich:1"]);
      expect(pulled.stderr).not.toContain("error");
      expect(pulled.code).toBe(0);
      expect(pulled.stdout).toBe("docker.io/library/rich:1\n");
      expect(pulled.stderr).toMatch(/pull complete/);
      const img = await inspect("rich:1");
      expect(img.RepoTags).toEqual(["rich:1"]);
      expect(img.Config.User).toBe("999");
      expect(img.Layers).toHaveLength(4);
      const ours = comparable(await snapshotOverlay(img.Layers.map((l) => l.path), user));
      const theirs = comparable(await umociTree(layout, "rich", user));
      expect(ours).toEqual(theirs);
      const byPath = new Map(ours.map((e) => [e.path, e]));
      expect(byPath.get("home/app/data.txt")).toMatchObject({ uid: 999, gid: 999, mode: "640" });
      expect(byPath.has("etc/hostname")).toBe(false);
      expect(byPath.has("var/cache/a")).toBe(false);
      expect(byPath.get("var/cache/fresh")?.type).toBe("file");
      expect(byPath.get("usr/bin/su-like")?.mode).toBe("4755");
    });

    test("keeps uid 999 as the subordinate id on the host, never chowned by host root", async () => {
      await pulled("rich:1");
      const img = await inspect("rich:1");
      const sub = subIds(user);
      const st = statSync(join(img.Layers[0]!.path, "home/app"));
      expect(st.uid).toBe(sub.uid + 998);
      expect(st.gid).toBe(sub.gid + 998);
      expect(statSync(img.Layers[0]!.path).uid).toBe(owner?.uid ?? 0);
    });

    test("unpacks a zstd layer to the same tree as its gzip twin", async () => {
      const zroot = tempRoot(owner);
      try {
        const r = await kitten(["pull", "--quiet", "rich:zstd"], { user, env: { ...registry.mirrorEnv, KITTEN_ROOT: zroot } });
        expect(r.code).toBe(0);
        expect(r.stderr).toBe("");
        const insp = await kitten(["image", "inspect", "rich:zstd"], { user, env: { KITTEN_ROOT: zroot } });
        const img = (JSON.parse(insp.stdout) as Inspect[])[0]!;
        const ours = comparable(await snapshotOverlay(img.Layers.map((l) => l.path), user));
        expect(ours).toEqual(comparable(await umociTree(layout, "rich", user)));
      } finally {
        Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(zroot, "data")]);
        removeRoot(zroot);
      }
    });

    test("picks linux/amd64 from a multi-arch index by default and another platform on request", async () => {
      const archOf = async (ref: string) => {
        const img = await inspect(ref);
        const tree = await snapshotOverlay(img.Layers.map((l) => l.path), user);
        return tree.find((e) => e.path === "arch")?.sha256;
      };
      expect((await run(["pull", "-q", "team/multi:1"])).code).toBe(0);
      const amd = await archOf("team/multi:1");
      expect((await run(["pull", "-q", "--platform", "linux/arm64", "team/multi:1"])).code).toBe(0);
      const arm = await archOf("team/multi:1");
      expect(amd).toBe(new Bun.CryptoHasher("sha256").update("amd64\n").digest("hex"));
      expect(arm).toBe(new Bun.CryptoHasher("sha256").update("arm64\n").digest("hex"));
    });

    test("pulls Docker schema2 manifests and manifest lists like OCI ones", async () => {
      expect((await run(["pull", "-q", "docker/rich:1"])).code).toBe(0);
      const img = await inspect("docker/rich:1");
      expect(img.Id).toBe((await inspect("rich:1")).Id);
      expect(img.Layers.map((l) => l.diffId)).toEqual((await inspect("rich:1")).Layers.map((l) => l.diffId));
      expect((await run(["pull", "-q", "--platform", "linux/arm64", "docker/multi:1"])).code).toBe(0);
      const arm = await inspect("docker/multi:1");
      const tree = await snapshotOverlay(arm.Layers.map((l) => l.path), user);
      expect(tree.find((e) => e.path === "arch")?.sha256).toBe(new Bun.CryptoHasher("sha256").update("arm64\n").digest("hex"));
    });

    test("lists the available platforms when none matches", async () => {
      const r = await run(["pull", "--platform", "linux/s390x", "team/multi:1"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("no image for platform linux/s390x; available: linux/amd64, linux/arm64");
      expect(r.stderr).toContain("hint: pass --platform linux/amd64");
    });

    test("pulls by digest and verifies it", async () => {
      await pulled("rich:1");
      const img = await run(["image", "inspect", "rich:1"]);
      const repoDigests = JSON.parse(img.stdout)[0].RepoDigests as string[];
      const digest = repoDigests.find((d) => d.startsWith("docker.io/library/rich@"))!.split("@")[1]!;
      const r = await run(["pull", "--quiet", `rich@${digest}`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`docker.io/library/rich@${digest}\n`);
    });

    test("rejects an invalid reference with exit 2 and a hint", async () => {
      const r = await run(["pull", "Not/Valid:"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: invalid image reference "Not\/Valid:"/);
      expect(r.stderr).toContain("hint:");
    });

    test("reports a missing tag as not found", async () => {
      const r = await run(["pull", `${registry.host}/library/rich:nope`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: image ${registry.host}/library/rich:nope not found`);
    });

    test("says which sources failed when neither the mirror nor the registry has the image", async () => {
      // registry.invalid never resolves (RFC 6761), so this holds with or without internet access
      const r = await run(["pull", "registry.invalid/library/rich:nope"], { KITTEN_REGISTRY_MIRROR: `registry.invalid=${registry.url}` });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`mirror ${registry.host} could not serve registry.invalid/library/rich:nope (image ${registry.host}/library/rich:nope not found: manifest unknown)`);
      expect(r.stderr).toContain("error: registry.invalid/library/rich:nope: no mirror had the image and registry registry.invalid is not reachable");
    });

    test("lists images as a table and as JSON", async () => {
      await pulled("rich:1");
      const text = await run(["images"]);
      expect(text.code).toBe(0);
      expect(text.stdout.split("\n")[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
      expect(text.stdout).toMatch(/docker\.io\/library\/rich\s+1\s+[0-9a-f]{12}/);
      const json = await run(["images", "--format", "json"]);
      const rows = JSON.parse(json.stdout) as { repository: string; tag: string; id: string; size: number }[];
      expect(rows.find((r) => r.repository === "docker.io/library/rich" && r.tag === "1")?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    test("two concurrent pulls of the same image both succeed and store it once", async () => {
      const croot = tempRoot(owner);
      try {
        const env = { ...registry.mirrorEnv, KITTEN_ROOT: croot };
        const [a, b] = await Promise.all([kitten(["pull", "-q", "rich:1"], { user, env }), kitten(["pull", "-q", "rich:1"], { user, env })]);
        expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, "", ""]);
        const layers = readdirSync(join(croot, "data/images/layers"));
        expect(layers.filter((l) => l.startsWith(".tmp-"))).toEqual([]);
        expect(layers).toHaveLength(4);
        const list = JSON.parse((await kitten(["images", "--format", "json"], { user, env })).stdout) as unknown[];
        expect(list).toHaveLength(1);
      } finally {
        Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(croot, "data")]);
        removeRoot(croot);
      }
    });

    test("rmi removes the name, the image and its now unused layers; prune frees leftovers", async () => {
      await pulled("rich:1");
      await pulled("team/multi:1");
      await pulled("--platform", "linux/arm64", "team/multi:1");
      await pulled("--platform", "linux/arm64", "docker/multi:1");
      await registry.pushBusyboxImage("busybox");
      expect((await run(["pull", "-q", "busybox"])).code).toBe(0);
      const before = readdirSync(join(root, "data/images/layers")).length;
      // the Docker-format copy has the same config, so it is the same image under a second name
      const r = await run(["rmi", "team/multi:1", "docker/multi:1"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("untagged: docker.io/team/multi:1\nuntagged: docker.io/docker/multi:1\n");
      expect(r.stdout).toMatch(/deleted: sha256:[0-9a-f]{64}/);
      expect(readdirSync(join(root, "data/images/layers")).length).toBeLessThan(before);
      const again = await run(["rmi", "team/multi:1"]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("error: image team/multi:1 not found");
      const prune = await run(["image", "prune"]);
      expect(prune.code).toBe(0);
      // the amd64 image of team/multi lost its name to the arm64 pull: it is dangling
      expect(prune.stdout).toMatch(/^removed 1 dangling image, \d+ blobs? and \d+ layers?, reclaimed/);
      const left = JSON.parse((await run(["images", "--format", "json"])).stdout) as { tag: string }[];
      expect(left.filter((i) => i.tag === "<none>")).toEqual([]);
      expect((await run(["image", "inspect", "rich:1"])).code).toBe(0);
    });
  });
}
