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
  await Promise.all([registry.pushLayout(layout, "rich", "library/rich:1"), registry.pushBusyboxImage("nginx")]);
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

    test("the nginx fixture's busybox httpd serves its /www page inside a container", async () => {
      const r = await run(["run", "--rm", "--entrypoint", "sh", "nginx", "-c", "httpd -p 127.0.0.1:8080 -h /www && wget -qO- http://127.0.0.1:8080/"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("<h1>hello from kitten nginx fixture</h1>\n");
    });
  });
}
