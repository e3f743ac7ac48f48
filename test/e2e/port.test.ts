/**
 * `kitten port` and published ports through the compiled binary, as root and as kittest:
 * an ephemeral host port is chosen, shown by `port` and `ps`, answers, and a port taken on the
 * host is refused with its number.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { TEST_USER, processesWith, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, freePort, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

// bunfig's [test] timeout is not applied by bun 1.4.5: namespaces and CNI need more than 5 s
setDefaultTimeout(60_000);

requireBinary();

describe.each([{ label: "root" }, { label: TEST_USER, user: TEST_USER }])("kitten port as $label", ({ label, user }) => {
  let r: Runner;
  let rootfs: string;

  beforeAll(() => {
    r = runner(label, tempRoot(user ? userIds(user) : undefined), user);
    rootfs = buildRootfs(user);
  });

  afterAll(async () => {
    for (const c of ["pweb", "pclash", "pcycle"]) await r.k(["rm", "-f", c]);
    await r.k(["__ns-down", "default"]);
    removeRoot(r.root);
    removeRootfs(rootfs);
  });

  test("shows the ephemeral host port of a container-only port, which answers", async () => {
    const d = await r.k(["run", "-d", "--name", "pweb", "-p", "127.0.0.1::80", rootfs, "httpd", "-f", "-p", "80", "-h", "/www"]);
    expect(d).toMatchObject({ code: 0 });
    const all = await r.k(["port", "pweb"]);
    expect(all.code).toBe(0);
    const m = /^80\/tcp -> 127\.0\.0\.1:(\d+)\n$/.exec(all.stdout);
    expect(m).not.toBeNull();
    const hostPort = Number(m![1]);
    expect(await r.k(["port", "pweb", "80"])).toMatchObject({ code: 0, stdout: `127.0.0.1:${hostPort}\n` });
    const json = JSON.parse((await r.k(["port", "pweb", "--format", "json"])).stdout);
    expect(json).toEqual([{ hostIp: "127.0.0.1", hostPort, containerPort: 80, protocol: "tcp" }]);
    expect((await r.k(["ps"])).stdout).toContain(`127.0.0.1:${hostPort}->80/tcp`);
    let body = "";
    for (let i = 0; i < 50 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${hostPort}/`).then((x) => x.text()).catch(() => "");
      if (!body) await Bun.sleep(50);
    }
    expect(body).toBe("hello from the container\n");
  });

  test("refuses a host port another container holds, naming both", async () => {
    const held = Number(/127\.0\.0\.1:(\d+)/.exec((await r.k(["port", "pweb", "80"])).stdout)![1]);
    const clash = await r.k(["run", "-d", "--name", "pclash", "-p", `127.0.0.1:${held}:80`, rootfs, "httpd", "-f", "-p", "80", "-h", "/www"]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`error: container "pclash": port 127.0.0.1:${held}/tcp is already published by "pweb"`);
  });

  test("forwards a published port as the user, releases it when the container stops or exits, and takes it again on start", async () => {
    const port = freePort();
    // kitten's forwarders serving this container (their command line names its dir)
    const forwarders = () => {
      const ofContainer = new Set(processesWith(id));
      return processesWith("__portfwd").filter((pid) => ofContainer.has(pid));
    };
    const get = () => fetch(`http://127.0.0.1:${port}/`).then((x) => x.text()).catch(() => "");
    const answers = async () => {
      for (let i = 0; i < 50; i++) {
        if ((await get()) === "hello from the container\n") return true;
        await Bun.sleep(50);
      }
      return false;
    };
    const released = async () => {
      for (let i = 0; i < 60; i++) {
        if ((await get()) === "" && forwarders().length === 0) return true;
        await Bun.sleep(50);
      }
      return false;
    };
    // port 81: pweb's httpd has port 80 of the namespace's own network, which both share
    const run = await r.k(["run", "-d", "--name", "pcycle", "-p", `127.0.0.1:${port}:81`, rootfs, "httpd", "-f", "-p", "81", "-h", "/www"]);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(await answers()).toBe(true);
    // kitten's forwarder serves it, as the user who ran kitten
    const serving = forwarders();
    expect(serving.length).toBe(1);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${serving[0]}/status`, "utf8"))![1]);
    expect(uid).toBe(user ? userIds(user).uid : 0);
    expect((await r.k(["stop", "-t", "1", "pcycle"])).code).toBe(0);
    expect(await released()).toBe(true);
    expect((await r.k(["start", "pcycle"])).code).toBe(0);
    expect(await answers()).toBe(true);
    // exiting on its own (no kitten command in between) releases it too
    expect(await r.k(["kill", "pcycle"])).toMatchObject({ code: 0 });
    expect(await released()).toBe(true);
  });

  test("names a private port that is not published and a container that does not exist", async () => {
    const none = await r.k(["port", "pweb", "81/udp"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('error: container "pweb": no public port 81/udp published');
    const missing = await r.k(["port", "nosuch"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such container: nosuch");
  });
});
