/**
 * Images and the runtime together, as root and as kittest: `kitten run` of a registry reference
 * pulls it through the docker.io mirror and runs a container on its unpacked layers — the image
 * config's user and entrypoint apply, ownership reads as in the image, deleted files stay deleted.
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
  await Promise.all([registry.pushLayout(layout, "rich", "library/rich:1"), ...["nginx", "postgres", "redis"].map((n) => registry.pushBusyboxImage(n))]);
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
  });
}
