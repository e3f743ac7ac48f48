/**
 * Registry authentication end to end, as root and as kittest: a real docker-registry with htpasswd
 * basic auth, and one with token auth backed by the tests' own token server (the Bearer flow).
 * `kitten login` checks and stores credentials (0600), `logout` forgets them, credentials from
 * ~/.docker/config.json and $REGISTRY_AUTH_FILE are used, and the password never appears in output.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kitten, removeRoot, tempRoot, userIds, type RunResult } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { userNamespace } from "../fixtures/tree.ts";

const USER = "alice";
const PASSWORD = `pw-${crypto.randomUUID()}`;
const registries: Partial<Record<"htpasswd" | "token" | "public", Registry>> = {};

beforeAll(async () => {
  const [basic, token, hub] = await Promise.all([
    startRegistry({ auth: { type: "htpasswd", user: USER, password: PASSWORD } }),
    startRegistry({ auth: { type: "token", user: USER, password: PASSWORD } }),
    startRegistry({ auth: { type: "token", user: USER, password: PASSWORD, anonymousPull: true } }),
  ]);
  registries.htpasswd = basic;
  registries.token = token;
  registries.public = hub;
  await Promise.all([basic.pushBusyboxImage("team/app:1"), token.pushBusyboxImage("team/app:1"), hub.pushBusyboxImage("nginx")]);
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

describe("a public repository behind token auth, as on Docker Hub", () => {
  for (const user of [undefined, "kittest"] as const) {
    test(`is pulled anonymously through the Bearer flow as ${user ?? "root"}`, async () => {
      const hub = registries.public!;
      const root = tempRoot(user ? userIds(user) : undefined);
      try {
        const before = { ...hub.tokenStats! };
        const r = await kitten(["pull", "nginx"], { user, env: { ...hub.mirrorEnv, KITTEN_ROOT: root } });
        expect([r.code, r.stdout]).toEqual([0, "docker.io/library/nginx:latest\n"]);
        expect(hub.tokenStats!.requests).toBeGreaterThan(before.requests);
        expect(hub.tokenStats!.authenticated).toBe(before.authenticated);
      } finally {
        Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
        removeRoot(root);
      }
    });
  }
});

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

describe("TLS", () => {
  let tls: Registry;
  let root: string;
  beforeAll(async () => {
    tls = await startRegistry({ tls: true });
    await tls.pushBusyboxImage("busybox");
    root = tempRoot();
  });
  afterAll(async () => {
    await tls?.stop();
    Bun.spawnSync([...userNamespace(), "rm", "-rf", join(root, "data")]);
    removeRoot(root);
  });

  test("verifies certificates by default, so a self-signed mirror is refused", async () => {
    // registry.invalid never resolves (RFC 6761): only the mirror can answer
    const r = await kitten(["pull", "registry.invalid/library/busybox"], { env: { KITTEN_ROOT: root, KITTEN_REGISTRY_MIRROR: `registry.invalid=${tls.url}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`mirror ${tls.host} could not serve registry.invalid/library/busybox:latest (registry ${tls.host} is not reachable (${tls.url}: self signed certificate))`);
  });

  test("skips verification for a registry configured insecure", async () => {
    mkdirSync(join(root, "config"), { recursive: true });
    writeFileSync(join(root, "config/config.yaml"), `registries:\n  docker.io:\n    mirrors: ["${tls.url}"]\n  "${tls.host}":\n    insecure: true\n`);
    try {
      const r = await kitten(["pull", "-q", "busybox"], { env: { KITTEN_ROOT: root } });
      expect([r.code, r.stdout, r.stderr]).toEqual([0, "docker.io/library/busybox:latest\n", ""]);
    } finally {
      rmSync(join(root, "config"), { recursive: true, force: true });
    }
  });

  test("talks HTTPS to a loopback registry, accepting its self-signed certificate as docker does", async () => {
    const r = await kitten(["pull", "-q", `${tls.host}/library/busybox`], { env: { KITTEN_ROOT: root } });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `${tls.host}/library/busybox:latest\n`, ""]);
  });
});
