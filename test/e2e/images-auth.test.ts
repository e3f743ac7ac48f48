/**
 * Registry authentication end to end, as root and as kittest: a real docker-registry with htpasswd
 * basic auth, and one with token auth backed by the tests' own token server (the Bearer flow).
 * `kitten login` checks and stores credentials (0600), `logout` forgets them, credentials from
 * ~/.docker/config.json and $REGISTRY_AUTH_FILE are used, and the password never appears in output.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kitten, removeRoot, tempRoot, userIds, type RunResult } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { userNamespace } from "../fixtures/tree.ts";

const USER = "alice";
const PASSWORD = `pw-${crypto.randomUUID()}`;
const registries: Partial<Record<"htpasswd" | "token", Registry>> = {};

beforeAll(async () => {
  const [basic, token] = await Promise.all([
    startRegistry({ auth: { type: "htpasswd", user: USER, password: PASSWORD } }),
    startRegistry({ auth: { type: "token", user: USER, password: PASSWORD } }),
  ]);
  registries.htpasswd = basic;
  registries.token = token;
  await Promise.all([basic.pushBusyboxImage("team/app:1"), token.pushBusyboxImage("team/app:1")]);
});

afterAll(async () => {
  await Promise.all(Object.values(registries).map((r) => r.stop()));
});

function noSecret(...results: RunResult[]): void {
  for (const r of results) {
    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(r.stdout + r.stderr).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));
  }
}

for (const user of [undefined, "kittest"] as const) {
  for (const kind of ["htpasswd", "token"] as const) {
    describe(`${kind} registry as ${user ?? "root"}`, () => {
      let root: string;
      let home: string;
      const owner = user ? userIds(user) : undefined;
      const reg = () => registries[kind]!;
      const run = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
        kitten(args, { user, stdin: options.stdin, env: { KITTEN_ROOT: root, HOME: home, ...options.env } });

      beforeAll(() => {
        root = tempRoot(owner);
        home = tempRoot(owner);
      });
      afterAll(() => {
        Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
        removeRoot(root);
        removeRoot(home);
      });

      test("refuses an anonymous pull and says how to log in", async () => {
        const r = await run(["pull", `${reg().host}/team/app:1`]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`error: registry ${reg().host}: authentication required`);
        expect(r.stderr).toContain(`hint: run \`kitten login ${reg().host}\``);
      });

      test("login with a wrong password fails and stores nothing", async () => {
        const r = await run(["login", "-u", USER, "--password-stdin", reg().host], { stdin: "wrong-password\n" });
        expect(r.code).toBe(2);
        expect(r.stderr).toContain("the registry rejected the credentials");
        expect(existsSync(join(root, "config/auth.json"))).toBe(false);
        noSecret(r);
      });

      test("login stores the credentials 0600, pull uses them, logout forgets them", async () => {
        const login = await run(["login", "-u", USER, "--password-stdin", reg().host], { stdin: `${PASSWORD}\n` });
        expect(login.code).toBe(0);
        expect(login.stdout).toContain("login succeeded");
        const file = join(root, "config/auth.json");
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const pull = await run(["pull", "--debug", `${reg().host}/team/app:1`]);
        expect(pull.code).toBe(0);
        expect(pull.stdout).toBe(`${reg().host}/team/app:1\n`);
        const logout = await run(["logout", reg().host]);
        expect(logout.stdout).toBe(`removed login credentials for ${reg().host}\n`);
        const again = await run(["pull", "--platform", "linux/amd64", `${reg().host}/team/app:1`]);
        expect(again.code).toBe(2);
        expect((await run(["logout", reg().host])).stdout).toBe(`not logged in to ${reg().host}\n`);
        noSecret(login, pull, logout, again);
      });

      test("uses credentials from ~/.docker/config.json and from $REGISTRY_AUTH_FILE", async () => {
        const auth = { auths: { [`http://${reg().host}`]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } };
        mkdirSync(join(home, ".docker"), { recursive: true });
        writeFileSync(join(home, ".docker/config.json"), JSON.stringify(auth));
        const elsewhere = join(home, "auth.json");
        writeFileSync(elsewhere, JSON.stringify(auth));
        if (owner) for (const p of [join(home, ".docker"), join(home, ".docker/config.json"), elsewhere]) chownSync(p, owner.uid, owner.gid);
        const viaDocker = await run(["pull", "-q", `${reg().host}/team/app:1`]);
        expect(viaDocker.code).toBe(0);
        rmSync(join(home, ".docker"), { recursive: true });
        const viaEnv = await run(["pull", "-q", `${reg().host}/team/app:1`], { env: { REGISTRY_AUTH_FILE: elsewhere } });
        expect(viaEnv.code).toBe(0);
        rmSync(elsewhere);
        noSecret(viaDocker, viaEnv);
      });
    });
  }
}
