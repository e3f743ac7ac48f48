/**
 * `up` never leaves a half-made project (issue #14), as root and as kittest:
 * - values runc or the kernel would refuse are refused by `config` and by `up` with file:line and
 *   a hint, before a namespace, a supervisor or a network plan exists;
 * - a create that fails anyway (a user name the image does not have) removes what the first `up`
 *   made: no namespace process, no supervisor, no network plan, no project record;
 * - a container name another project uses is refused before anything is made;
 * - an env_file that is a directory or unreadable is the user's error (exit 2), not "a bug".
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_USER, processesWith, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

for (const who of [{ label: "root" }, { label: TEST_USER, user: TEST_USER }]) {
  describe(`nothing half-made (${who.label})`, () => {
    let r: Runner;
    let rootfs: string;
    let dir: string;
    const owner = who.user ? userIds(who.user) : undefined;

    beforeAll(() => {
      r = runner(who.label, tempRoot(owner), who.user);
      rootfs = buildRootfs(who.user);
      dir = mkdtempSync(join(tmpdir(), "kitten-vbc-"));
      chmodSync(dir, 0o755);
      if (owner) chownSync(dir, owner.uid, owner.gid);
    });

    afterAll(async () => {
      for (const p of ["held", "other"]) await r.k(["down", "-p", p, "-t", "0"]);
      removeRoot(r.root);
      removeRootfs(rootfs);
      rmSync(dir, { recursive: true, force: true });
    });

    const write = (name: string, doc: unknown): string => {
      const file = join(dir, name);
      writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc, null, 2));
      if (owner) chownSync(file, owner.uid, owner.gid);
      return file;
    };

    /** nothing of project `p` exists: no process, no namespace record, no plan, no record */
    async function nothingLeft(p: string): Promise<void> {
      expect(processesWith(r.root)).toEqual([]);
      const nsDir = join(r.root, "run", "ns");
      expect(existsSync(nsDir) ? readdirSync(nsDir).filter((f) => f.startsWith(p)) : []).toEqual([]);
      expect(existsSync(join(r.root, "data", "networks", `${p}.json`))).toBe(false);
      const ls = await r.k(["ls", "-a", "--format", "json"]);
      expect(ls.stdout.includes(`"${p}"`)).toBe(false);
    }

    test("values runc or the kernel would refuse are refused by config and up with file:line", async () => {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ["uid", { user: "99999999999" }, "is not mapped in the container's user namespace"],
        ["hostname", { hostname: "h".repeat(300) }, "hostname is 300 bytes"],
        ["tmpfs", { tmpfs: ["/x:size=abc"] }, 'size "abc" is not a size'],
        ["ulimit", { ulimits: { nofile: 99999999999999999999 } }, "is too large"],
        ["extra_hosts", { extra_hosts: ["bad host:not-an-ip"] }, '"bad host" is not a host name'],
        ["memory", { deploy: { resources: { limits: { memory: "-5" } } } }, "invalid memory size"],
      ];
      for (const [label, extra, message] of cases) {
        const file = write(`refuse-${label}.yaml`, `name: held\nservices:\n  web:\n    image: ${rootfs}\n${Object.entries(extra).map(([k, v]) => `    ${k}: ${JSON.stringify(v).replace("99999999999999999999", "99999999999999999999")}`).join("\n")}\n`);
        for (const verb of [["config"], ["up", "-d"]]) {
          const res = await r.k([verb[0]!, "-f", file, ...verb.slice(1)]);
          expect({ label, code: res.code }).toEqual({ label, code: 2 });
          expect(res.stderr).toStartWith(`error: ${file}:5:`);
          expect(res.stderr).toContain(message);
          expect(res.stderr.trimEnd().split("\n")).toHaveLength(2);
          expect(res.stderr).toContain("\nhint: ");
        }
      }
      const svc = write("dots.yaml", `services:\n  "..":\n    image: ${rootfs}\n`);
      const res = await r.k(["config", "-f", svc]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('services...: invalid service name ".."');
      await nothingLeft("held");
    });

    test("a create that fails after the namespace exists removes everything the first up made", async () => {
      const file = write("nouser.json", { name: "held", services: { web: { image: rootfs, user: "nosuchuser", command: ["sleep", "60"] } } });
      const res = await r.k(["up", "-d", "-f", file]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain("unable to find user nosuchuser");
      await nothingLeft("held");
    });

    test("a container name another project uses is refused before anything is made", async () => {
      const a = write("a.json", { name: "other", services: { web: { image: rootfs, container_name: "shared-name", command: ["sleep", "300"], stop_signal: "KILL" } } });
      expect((await r.k(["up", "-d", "-f", a])).code).toBe(0);
      const b = write("b.json", { name: "held", services: { api: { image: rootfs, container_name: "shared-name", command: ["sleep", "300"] } } });
      const res = await r.k(["up", "-d", "-f", b]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('service "api": container name "shared-name" is already used by project "other"');
      expect(res.stderr).toContain("hint: ");
      expect(existsSync(join(r.root, "data", "networks", "held.json"))).toBe(false);
      expect(existsSync(join(r.root, "run", "ns", "held.json"))).toBe(false);
      await r.k(["down", "-p", "other", "-t", "0"]);
    });

    test("an env_file that is a directory or unreadable is an exit-2 error naming it", async () => {
      const envDir = join(dir, "envdir");
      mkdirSync(envDir, { recursive: true });
      const secret = join(dir, "secret.env");
      writeFileSync(secret, "root:$6$hash-that-must-not-be-printed:20228:0:99999:7:::\n");
      chmodSync(secret, who.user ? 0o600 : 0o644); // root owns it: kittest cannot read it
      for (const [label, path, message] of [
        ["directory", envDir, `env file ${envDir} is a directory`],
        ["secret", secret, who.user ? `cannot read env file ${secret}: permission denied` : "invalid line: expected KEY=VALUE"],
      ] as const) {
        const file = write(`env-${label}.yaml`, `services:\n  web:\n    image: ${rootfs}\n    env_file: ${path}\n`);
        const res = await r.k(["config", "-f", file]);
        expect(res.code).toBe(2);
        expect(res.stderr).toContain(message);
        expect(res.stderr).toContain("hint: ");
        expect(res.stderr).not.toContain("bug in kitten");
        expect(res.stderr).not.toContain("hash-that-must-not-be-printed");
      }
    });
  });
}
