/**
 * Images and the runtime together, as root and as kittest: `kitten run` of a registry reference
 * pulls it through the docker.io mirror and runs a container on its unpacked layers — the image
 * config's user and entrypoint apply, ownership reads as in the image, deleted files stay deleted;
 * `rmi` and `image prune` leave the images (and layers) of existing containers alone.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kitten, removeRoot, tempRoot, userIds } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { OciLayoutWriter } from "../fixtures/oci-layout.ts";
import { richImage } from "../fixtures/images.ts";
import { userNamespace } from "../fixtures/tree.ts";

let registry: Registry;
let layout: string;

beforeAll(async () => {
  registry = await startRegistry();
  layout = mkdtempSync(join(tmpdir(), "kitten-run-layout-"));
  const w = new OciLayoutWriter(layout);
  w.tag("rich", w.image(richImage({ zstd: true })));
  await Promise.all([registry.pushLayout(layout, "rich", "library/rich:1"), ...["nginx", "postgres", "redis", "python"].map((n) => registry.pushBusyboxImage(n))]);
});

afterAll(async () => {
  await registry?.stop();
  rmSync(layout, { recursive: true, force: true });
});

for (const user of [undefined, "kittest"] as const) {
  describe(`running pulled images as ${user ?? "root"}`, () => {
    let root: string;
    const run = (args: string[]) => kitten(args, { user, env: { ...registry.mirrorEnv, KITTEN_ROOT: root } });
    beforeAll(() => {
      root = tempRoot(user ? userIds(user) : undefined);
    });
    afterAll(async () => {
      await run(["__ns-down", "default"]);
      Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
      removeRoot(root);
    });

    test("pulls a missing image and runs it with the image's user, ownership and deletions", async () => {
      const r = await run(["run", "--rm", "rich:1", "sh", "-c", "id -u; stat -c %u:%g:%a /home/app/data.txt; ls /home/app; stat -c %F:%a /opt/thing; readlink /opt/dir-to-link; cat /opt/thing/inside 2>&1 || true"]);
      expect(r.stderr).not.toContain("error");
      expect(r.code).toBe(0);
      // /opt/thing is 0700 root in the image: user 999 may not read into it
      expect(r.stdout).toBe("999\n999:999:640\ndata.txt\nnew.txt\ndirectory:700\nthing\ncat: can't open '/opt/thing/inside': Permission denied\n");
    });

    test.each([
      ["postgres", "echo | nc 127.0.0.1 5432", "postgres-fixture\n"],
      ["redis", "echo | nc 127.0.0.1 6379", "+PONG\n"],
      ["nginx", "wget -qO- http://127.0.0.1/", "<h1>hello from kitten nginx fixture</h1>\n"],
    ])("the %s fixture image runs as a long-lived service answering on its port", async (image, probe, answer) => {
      expect((await run(["run", "-d", "--name", `svc-${image}`, image])).code).toBe(0);
      try {
        let r = await run(["exec", `svc-${image}`, "sh", "-c", probe]);
        for (let i = 0; i < 50 && r.stdout !== answer; i++) {
          await Bun.sleep(100);
          r = await run(["exec", `svc-${image}`, "sh", "-c", probe]);
        }
        expect(r.stdout).toBe(answer);
      } finally {
        await run(["rm", "-f", `svc-${image}`]);
      }
    });

    test("rmi refuses an image containers use, -f only untags it, and the stopped container still starts", async () => {
      const psStatus = async (name: string) => (JSON.parse((await run(["ps", "-a", "--format", "json"])).stdout) as Array<{ name: string; status: string }>).find((c) => c.name === name)?.status;
      const logsOf = async (name: string, want: string) => {
        let out = "";
        for (let i = 0; i < 100 && out !== want; i++, await Bun.sleep(50)) out = (await run(["logs", name])).stdout;
        return out;
      };
      const startedAgain = async (name: string, want: string) => {
        expect(await run(["start", name])).toMatchObject({ code: 0, stdout: `${name}\n` });
        expect(await logsOf(name, want)).toBe(want);
      };
      expect((await run(["run", "-d", "--name", "rmi-web", "python", "sleep", "600"])).code).toBe(0);
      expect((await run(["run", "-d", "--name", "rmi-old", "python", "echo", "ran"])).code).toBe(0);
      for (let i = 0; i < 100 && (await psStatus("rmi-old")) !== "exited"; i++) await Bun.sleep(50);
      expect(await psStatus("rmi-old")).toBe("exited");
      try {
        for (const args of [["rmi", "python"], ["rmi", "-f", "python"]]) {
          const r = await run(args);
          expect(r.code).toBe(2);
          expect(r.stderr).toBe('error: image "python" is used by running container "rmi-web"\nhint: stop and remove it first: kitten rm -f rmi-web\n');
          expect(r.stdout).toBe("");
        }
        expect((await run(["rm", "-f", "rmi-web"])).code).toBe(0);

        const refused = await run(["rmi", "python"]);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toBe('error: image "python" is used by container "rmi-old"\nhint: kitten rm rmi-old first, or kitten rmi -f python to untag it only\n');
        await startedAgain("rmi-old", "ran\nran\n");

        // until it has exited again, rmi -f would refuse it as running
        for (let i = 0; i < 100 && (await psStatus("rmi-old")) !== "exited"; i++) await Bun.sleep(50);
        const forced = await run(["rmi", "-f", "python"]);
        expect(forced).toMatchObject({ code: 0, stdout: "untagged: docker.io/library/python:latest\n" });
        expect(forced.stdout).not.toContain("deleted:");
        const images = JSON.parse((await run(["images", "--format", "json"])).stdout) as Array<{ repository: string; tag: string }>;
        expect(images.filter((i) => i.repository.endsWith("python"))).toEqual([]);
        expect(images.filter((i) => i.tag === "<none>")).toHaveLength(1);
        expect((await run(["image", "prune"])).stdout).toMatch(/^removed 0 dangling images, /);
        await startedAgain("rmi-old", "ran\nran\nran\n");

        // once its last container is gone, the untagged image is an ordinary dangling one
        expect((await run(["rm", "-f", "rmi-old"])).code).toBe(0);
        expect((await run(["image", "prune"])).stdout).toMatch(/^removed 1 dangling image, /);
      } finally {
        await run(["rm", "-f", "rmi-web", "rmi-old"]);
      }
    });
  });
}
