/**
 * Local image sources through the compiled binary, as root and as kittest: `image load` of a
 * docker-archive and of an OCI archive, `image import` of a rootfs tar and of a directory. The
 * loaded trees are checked under a real overlay mount inside the user namespace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KITTEN, kitten, removeRoot, tempRoot, userIds } from "./helpers.ts";
import { OciLayoutWriter } from "../fixtures/oci-layout.ts";
import { busyboxBaseLayer, richImage } from "../fixtures/images.ts";
import { dockerArchive, tarDirectory } from "../fixtures/archives.ts";
import { buildTar } from "../fixtures/tar-writer.ts";
import { snapshotOverlay, umociTree, userNamespace } from "../fixtures/tree.ts";

let work: string;
let layout: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "kitten-local-"));
  chmodSync(work, 0o755);
  layout = join(work, "layout");
  const w = new OciLayoutWriter(layout);
  w.tag("rich", w.image(richImage({ zstd: false })));
  tarDirectory(layout, join(work, "rich-oci.tar"));
  dockerArchive(join(work, "docker.tar"), {
    tags: ["local/app:1"],
    config: { Cmd: ["sh"], WorkingDir: "/srv" },
    layers: [
      busyboxBaseLayer().entries,
      [
        { path: "srv", type: "dir", uid: 999, gid: 999 },
        { path: "srv/app.txt", type: "file", uid: 999, gid: 999, mode: 0o600, content: "app\n" },
        { path: "etc/.wh.hostname", type: "file" },
      ],
    ],
  });
  writeFileSync(join(work, "rootfs.tar.gz"), Bun.gzipSync(buildTar([...busyboxBaseLayer().entries, { path: "data", type: "dir", uid: 999, gid: 999 }, { path: "data/x", type: "file", uid: 999, gid: 999, content: "x\n" }])));
  writeFileSync(join(work, "garbage.tar"), buildTar([{ path: "hello.txt", type: "file", content: "not an image\n" }]));
  mkdirSync(join(work, "rootdir/etc"), { recursive: true });
  writeFileSync(join(work, "rootdir/etc/motd"), "imported from a directory\n");
  for (const f of readdirSync(work, { recursive: true }) as string[]) chmodSync(join(work, f), statSync(join(work, f)).isDirectory() ? 0o755 : 0o644);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

for (const user of [undefined, "kittest"] as const) {
  describe(`local image sources as ${user ?? "root"}`, () => {
    let root: string;
    const owner = user ? userIds(user) : undefined;
    const run = (args: string[]) => kitten(args, { user, env: { KITTEN_ROOT: root } });
    const layersOf = async (ref: string): Promise<string[]> => {
      const r = await run(["image", "inspect", ref]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout)[0].Layers.map((l: { path: string }) => l.path);
    };
    beforeAll(() => {
      root = tempRoot(owner);
    });
    afterAll(() => {
      Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
      removeRoot(root);
    });

    test("loads a docker-archive with its tags, config and ownership", async () => {
      const r = await run(["image", "load", "-i", join(work, "docker.tar")]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("loaded image: docker.io/local/app:1\n");
      const insp = JSON.parse((await run(["image", "inspect", "local/app:1"])).stdout)[0];
      expect(insp.Config).toEqual({ Cmd: ["sh"], WorkingDir: "/srv" });
      const tree = await snapshotOverlay(await layersOf("local/app:1"), user);
      const byPath = new Map(tree.map((e) => [e.path, e]));
      expect(byPath.get("srv/app.txt")).toMatchObject({ uid: 999, gid: 999, mode: "600", type: "file" });
      expect(byPath.has("etc/hostname")).toBe(false);
      expect(byPath.get("bin/sh")).toMatchObject({ type: "symlink", target: "busybox" });
    });

    test("loads an OCI archive to the same tree umoci unpacks", async () => {
      const r = await run(["image", "load", "-i", join(work, "rich-oci.tar")]);
      expect(r.code).toBe(0);
      const id = /^loaded image id: (sha256:[0-9a-f]{64})$/m.exec(r.stdout)?.[1];
      expect(id).toBeDefined();
      const ours = (await snapshotOverlay(await layersOf(id!), user)).filter((e) => e.path !== ".");
      const theirs = (await umociTree(layout, "rich", user)).filter((e) => e.path !== ".");
      expect(ours).toEqual(theirs);
    });

    test("imports a compressed rootfs tar as a one-layer image", async () => {
      const r = await run(["image", "import", join(work, "rootfs.tar.gz"), "imported:1"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
      const layers = await layersOf("imported:1");
      expect(layers).toHaveLength(1);
      const tree = await snapshotOverlay(layers, user);
      expect(tree.find((e) => e.path === "data/x")).toMatchObject({ uid: 999, gid: 999, sha256: new Bun.CryptoHasher("sha256").update("x\n").digest("hex") });
    });

    test("imports a directory", async () => {
      const r = await run(["image", "import", join(work, "rootdir"), "fromdir:1"]);
      expect(r.code).toBe(0);
      const tree = await snapshotOverlay(await layersOf("fromdir:1"), user);
      expect(tree.find((e) => e.path === "etc/motd")?.sha256).toBe(new Bun.CryptoHasher("sha256").update("imported from a directory\n").digest("hex"));
    });

    test("loads an archive piped to stdin, as `docker save | kitten image load`", async () => {
      const proc = Bun.spawn(user ? ["runuser", "-u", user, "--", KITTEN, "image", "load"] : [KITTEN, "image", "load"], {
        env: { PATH: process.env.PATH!, HOME: "/tmp", NO_COLOR: "1", KITTEN_ROOT: root },
        stdin: Bun.file(join(work, "docker.tar")),
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect([code, out, err]).toEqual([0, "loaded image: docker.io/local/app:1\n", ""]);
      expect(readdirSync(join(root, "data/images/tmp"))).toEqual([]);
    });

    test("refuses empty stdin as an archive without an image", async () => {
      const r = await run(["image", "load"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("error: stdin: neither a docker archive (manifest.json) nor an OCI archive (index.json)");
    });

    test("refuses an archive that holds no image", async () => {
      const r = await run(["image", "load", "-i", join(work, "garbage.tar")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("neither a docker archive (manifest.json) nor an OCI archive (index.json)");
      expect(r.stderr).toContain("hint: use `kitten image import` for a plain root filesystem tar");
    });
  });
}
