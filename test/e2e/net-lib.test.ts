/**
 * The network library inside a real rootless namespace (rootlesskit, as root and as the
 * unprivileged user kittest): bridges, CNI attach/detach, nft isolation and masquerade, hosts
 * files, a published port through rootlesskit's API with childIP, teardown and crash recovery.
 * "Containers" are plain processes in their own netns and mount ns (hosts file bind-mounted at
 * /etc/hosts, as the runtime does). Needs no dist/kitten and no other branch.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeDir, startNamespace, type TestNamespace } from "./net-lib/namespace.ts";
import { planSubnets } from "../../src/net/subnets.ts";
import type { Attachment } from "../../src/net/networks.ts";
import { hostPortProbe } from "../../src/net/port-probe.ts";
import { rootlesskitPorts } from "../../src/net/ports.ts";
import { expandPorts, resolvePortSpecs } from "../../src/net/port-specs.ts";

// bunfig's [test] timeout is not applied by bun 1.4.5: namespaces and CNI need more than 5 s
setDefaultTimeout(60_000);

interface Ctr {
  name: string;
  service: string;
  netns: string;
  pid: number;
  attachments: Attachment[];
}

type ExecOut = { code: number; stdout: string; stderr: string };

const HTTP_PORT = 8080;
const UDP_ECHO = "const s = await Bun.udpSocket({ port: 9000, socket: { data(sock, buf, port, addr) { sock.send(buf, port, addr); } } });";

for (const user of [undefined, "kittest"] as const) {
  describe(`network library in a rootless namespace as ${user ?? "root"}`, () => {
    let ns: TestNamespace;
    let www: string;
    const project = "shop";
    const ctx = () => ({ runtimeDir: ns.runtimeDir, project });
    const ctrs = new Map<string, Ctr>();
    let hostServer: ReturnType<typeof Bun.serve> | undefined;

    const inside = <T,>(op: Record<string, unknown>) => ns.inside<T>(op);
    const exec = (c: string, argv: string[]) => inside<ExecOut>({ op: "exec", pid: ctrs.get(c)!.pid, argv, timeoutMs: 8000 });
    // curl, not busybox wget: the static busybox's wget segfaults in getaddrinfo on this host
    const get = (c: string, url: string) => exec(c, ["curl", "-sS", "--max-time", "2", url]);
    const ipOn = (c: string, net: string) => ctrs.get(c)!.attachments.find((a) => a.network === net)!.ip;

    const hostsPath = (name: string) => join(ns.runtimeDir, "hosts", `${name}.hosts`);

    async function run(name: string, service: string, requests: Array<{ network: string; ipv4Address?: string; aliases?: string[] }>, argv?: string[]) {
      const netns = join(ns.runtimeDir, "netns", `${name}-${Date.now()}`);
      await inside({ op: "netns", path: netns });
      // attach writes the hosts file of this container and of everyone on its networks
      const identity = { name, service, extraHosts: ["gateway.test:10.0.2.2"], hostsPath: hostsPath(name) };
      const attachments = await inside<Attachment[]>({ op: "attach", ctx: ctx(), id: name, netns, requests, identity });
      ctrs.set(name, { name, service, netns, pid: 0, attachments });
      mkdirSync(join(www, name), { recursive: true });
      writeFileSync(join(www, name, "index.html"), `hello from ${name}\n`);
      const { pid } = await inside<{ pid: number }>({
        op: "start",
        netns,
        hosts: hostsPath(name),
        argv: argv ?? ["busybox", "httpd", "-f", "-p", String(HTTP_PORT), "-h", join(www, name)],
      });
      ctrs.get(name)!.pid = pid;
      // wait until the server listens (the process is ours, so poll its netns)
      for (let i = 0; i < 100; i++) {
        const r = await exec(name, ["busybox", "netstat", "-ltun"]);
        if (r.stdout.includes(`:${argv ? 9000 : HTTP_PORT}`)) break;
        await Bun.sleep(20);
      }
    }

    async function remove(name: string) {
      const c = ctrs.get(name)!;
      await inside({ op: "sh", argv: ["kill", "-KILL", String(c.pid)] });
      await inside({ op: "detach", ctx: ctx(), id: name });
      await inside({ op: "rmNetns", path: c.netns });
      ctrs.delete(name);
    }

    beforeAll(async () => {
      ns = await startNamespace({ user });
      www = mkdtempSync(join(tmpdir(), "kitten-netlib-www-"));
      chmodSync(www, 0o755);
      hostServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hello from the host\n") });
      const plans = planSubnets(
        [
          { key: "front", name: "shop_front" },
          { key: "back", name: "shop_back", ipam: [{ subnet: "10.90.0.0/24", ip_range: "10.90.0.128/25" }] },
          { key: "sealed", name: "shop_sealed", internal: true },
        ],
        [],
      );
      for (const p of plans) await inside({ op: "createNetwork", ctx: ctx(), net: p });
      // the runtime keeps each container's hosts file in its container dir; one dir here
      await inside({ op: "sh", argv: ["mkdir", "-p", join(ns.runtimeDir, "hosts")] });
      await run("shop-web-1", "web", [{ network: "front" }]);
      await run("shop-api-1", "api", [{ network: "front", aliases: ["apisvc"] }, { network: "back" }]);
      await run("shop-api-2", "api", [{ network: "front", aliases: ["apisvc"] }, { network: "back" }]);
      await run("shop-db-1", "db", [{ network: "back", ipv4Address: "10.90.0.10" }]);
      await run("shop-job-1", "job", [{ network: "sealed" }]);
      await run("shop-udp-1", "udp", [{ network: "front" }], [process.execPath, "-e", UDP_ECHO]);
    }, 90_000);

    afterAll(async () => {
      hostServer?.stop(true);
      // every process started in the namespace dies with it (rootlesskit --pidns)
      await ns?.stop();
      if (ns) removeDir(ns.dir);
      if (www) removeDir(www);
    });

    test("gives each container one interface per network, in order, with a static address honoured", async () => {
      const api = ctrs.get("shop-api-1")!.attachments;
      expect(api.map((a) => [a.network, a.ifname])).toEqual([["back", "eth0"], ["front", "eth1"]]);
      expect(ipOn("shop-db-1", "back")).toBe("10.90.0.10");
      // ip_range 10.90.0.128/25 bounds dynamic addresses
      expect(Number(ipOn("shop-api-1", "back").split(".")[3])).toBeGreaterThanOrEqual(128);
      const addrs = await exec("shop-api-1", ["ip", "-4", "-o", "addr", "show"]);
      expect(addrs.stdout).toContain(`eth0    inet ${ipOn("shop-api-1", "back")}/24`);
      expect(addrs.stdout).toContain(`eth1    inet ${ipOn("shop-api-1", "front")}/24`);
    });

    test("reaches a container by address on a shared network", async () => {
      const r = await get("shop-web-1", `http://${ipOn("shop-api-1", "front")}:${HTTP_PORT}/`);
      expect(r.stdout).toBe("hello from shop-api-1\n");
      const db = await get("shop-api-2", `http://10.90.0.10:${HTTP_PORT}/`);
      expect(db.stdout).toBe("hello from shop-db-1\n");
    });

    test("does not reach a container on a network it does not share", async () => {
      const r = await get("shop-web-1", `http://10.90.0.10:${HTTP_PORT}/`);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe("");
      const sealed = await get("shop-web-1", `http://${ipOn("shop-job-1", "sealed")}:${HTTP_PORT}/`);
      expect(sealed.code).not.toBe(0);
    });

    test("reaches the outside through the namespace's masquerade", async () => {
      const r = await get("shop-web-1", `http://10.0.2.2:${hostServer!.port}/`);
      expect(r.stdout).toBe("hello from the host\n");
    });

    test("gives an internal network no outbound route", async () => {
      const route = await exec("shop-job-1", ["ip", "route"]);
      expect(route.stdout).not.toContain("default");
      const r = await get("shop-job-1", `http://10.0.2.2:${hostServer!.port}/`);
      expect(r.code).not.toBe(0);
      const lookup = await exec("shop-job-1", ["ip", "route", "get", "10.0.2.2"]);
      expect(lookup.stderr).toContain("Network is unreachable");
    });

    test("resolves service names, container names and aliases, every replica, only on shared networks", async () => {
      const api = await exec("shop-web-1", ["getent", "ahostsv4", "api"]);
      const found = new Set(api.stdout.split("\n").filter(Boolean).map((l) => l.split(/\s+/)[0]));
      expect(found).toEqual(new Set([ipOn("shop-api-1", "front"), ipOn("shop-api-2", "front")]));
      const alias = await exec("shop-web-1", ["getent", "hosts", "apisvc"]);
      expect([ipOn("shop-api-1", "front"), ipOn("shop-api-2", "front")]).toContain(alias.stdout.split(/\s+/)[0]!);
      expect((await exec("shop-web-1", ["getent", "hosts", "shop-api-2"])).stdout.split(/\s+/)[0]).toBe(ipOn("shop-api-2", "front"));
      // api sees db on back; web shares no network with db
      expect((await exec("shop-api-1", ["getent", "hosts", "db"])).stdout.split(/\s+/)[0]).toBe("10.90.0.10");
      expect((await exec("shop-web-1", ["getent", "hosts", "db"])).code).not.toBe(0);
      expect((await exec("shop-web-1", ["getent", "hosts", "gateway.test"])).stdout).toContain("10.0.2.2");
      const byName = await get("shop-web-1", `http://shop-api-1:${HTTP_PORT}/`);
      expect(byName.stdout).toBe("hello from shop-api-1\n");
    });

    test("keeps names right in running containers when a replica is recreated with a new address", async () => {
      const old = ipOn("shop-api-2", "front");
      await remove("shop-api-2");
      const gone = await exec("shop-web-1", ["getent", "hosts", "shop-api-2"]);
      expect(gone.code).not.toBe(0);
      await run("shop-api-2", "api", [{ network: "front", aliases: ["apisvc"] }, { network: "back" }]);
      const fresh = ipOn("shop-api-2", "front");
      expect(fresh).not.toBe(old);
      // web's /etc/hosts is the same bind-mounted inode, rewritten in place
      const r = await exec("shop-web-1", ["getent", "hosts", "shop-api-2"]);
      expect(r.stdout.split(/\s+/)[0]).toBe(fresh);
      const byName = await get("shop-web-1", `http://shop-api-2:${HTTP_PORT}/`);
      expect(byName.stdout).toBe("hello from shop-api-2\n");
    });

    test("publishes tcp and udp ports from the host through rootlesskit with childIP", async () => {
      const requests = expandPorts("shop-web-1", [{ target: HTTP_PORT, host_ip: "127.0.0.1", protocol: "tcp" }]);
      const [tcp] = await resolvePortSpecs("shop-web-1", requests, ipOn("shop-web-1", "front"), { known: [], probe: hostPortProbe });
      const udpReq = expandPorts("shop-udp-1", [{ target: 9000, host_ip: "127.0.0.1", protocol: "udp" }]);
      const [udp] = await resolvePortSpecs("shop-udp-1", udpReq, ipOn("shop-udp-1", "front"), { known: [], probe: hostPortProbe });
      // the specs go to rootlesskit through the runtime's port driver client unchanged
      const driver = rootlesskitPorts(ns.apiSocket);
      for (const spec of [tcp!, udp!]) expect(await driver.add(spec)).toBeGreaterThan(0);
      const page = await fetch(`http://127.0.0.1:${tcp!.hostPort}/`);
      expect(await page.text()).toBe("hello from shop-web-1\n");
      const echoed = await udpRoundTrip(udp!.hostPort, "ping over udp");
      expect(echoed).toBe("ping over udp");
      // the same host port again is refused, naming it and its owner
      const again = resolvePortSpecs("shop-api-1", requests.map((r) => ({ ...r, candidates: [tcp!.hostPort] })), "10.89.0.9", {
        known: [{ owner: "shop-web-1", hostIp: "127.0.0.1", hostPort: tcp!.hostPort, proto: "tcp" }],
        probe: hostPortProbe,
      });
      await expect(again).rejects.toThrow(`port 127.0.0.1:${tcp!.hostPort}/tcp is already published by "shop-web-1"`);
      const unknownOwner = resolvePortSpecs("shop-api-1", requests.map((r) => ({ ...r, candidates: [tcp!.hostPort] })), "10.89.0.9", { known: [], probe: hostPortProbe });
      await expect(unknownOwner).rejects.toThrow(`port 127.0.0.1:${tcp!.hostPort}/tcp is already in use on the host`);
    });

    test("rolls back every interface and lease of a failed attach and names the address", async () => {
      const netns = join(ns.runtimeDir, "netns", "dup");
      await inside({ op: "netns", path: netns });
      const linksBefore = (await inside<ExecOut>({ op: "sh", argv: ["ip", "-o", "link", "show"] })).stdout.split("\n").length;
      const leases = () => readdirSync(join(ns.runtimeDir, "net", "ipam", "shop_front")).filter((f) => /^\d/.test(f)).sort();
      const leasesBefore = leases();
      // front (eth0) succeeds, then back fails: db holds 10.90.0.10
      const attempt = inside({ op: "attach", ctx: ctx(), id: "dup", netns, requests: [{ network: "front" }, { network: "back", ipv4Address: "10.90.0.10" }] });
      await expect(attempt).rejects.toThrow('container "dup": address 10.90.0.10 on network "back" is already in use');
      expect((await inside<ExecOut>({ op: "sh", argv: ["ip", "-o", "link", "show"] })).stdout.split("\n").length).toBe(linksBefore);
      expect(leases()).toEqual(leasesBefore);
      const inNetns = await inside<ExecOut>({ op: "sh", argv: ["nsenter", `--net=${netns}`, "ip", "-o", "link", "show"] });
      expect(inNetns.stdout).not.toContain("eth");
      await inside({ op: "rmNetns", path: netns });
    });

    test("refuses to remove a network that a container still uses", async () => {
      await expect(inside({ op: "removeNetwork", ctx: ctx(), key: "back" })).rejects.toThrow('network "back" is still used by container');
    });

    test("leaves no bridge, veth, nft rule or lease behind after the last container and network go", async () => {
      for (const name of [...ctrs.keys()]) await remove(name);
      for (const key of ["front", "back", "sealed"]) await inside({ op: "removeNetwork", ctx: ctx(), key });
      const links = await inside<ExecOut>({ op: "sh", argv: ["ip", "-o", "link", "show"] });
      const names = links.stdout.split("\n").filter(Boolean).map((l) => l.split(":")[1]!.trim().split("@")[0]);
      expect(names.sort()).toEqual(["lo", "tap0"]);
      const rules = await inside<ExecOut>({ op: "sh", argv: ["nft", "list", "ruleset"] });
      expect(rules.stdout.trim()).toBe("");
      expect(readdirSync(join(ns.runtimeDir, "net", "ipam"))).toEqual([]);
      expect(readdirSync(join(ns.runtimeDir, "net", "containers"))).toEqual([]);
    });
  });
}

async function udpRoundTrip(port: number, message: string): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>();
  const sock = await Bun.udpSocket({ socket: { data: (_s, buf) => resolve(Buffer.from(buf).toString()) } });
  const timer = setInterval(() => sock.send(message, port, "127.0.0.1"), 200);
  sock.send(message, port, "127.0.0.1");
  const timeout = Bun.sleep(5000).then(() => "timeout");
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearInterval(timer);
    sock.close();
  }
}

describe("network library after a namespace crash", () => {
  test("recreates networks and reuses a static address whose lease went stale", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-netlib-crash-"));
    const runtimeDir = join(dir, "run");
    const ctx = { runtimeDir, project: "crash" };
    const net = { key: "n", name: "crash_n", subnet: "10.91.0.0/24", gateway: "10.91.0.1", internal: false };
    let ns = await startNamespace({ dir, runtimeDir });
    try {
      await ns.inside({ op: "createNetwork", ctx, net });
      const first = join(runtimeDir, "netns", "a");
      await ns.inside({ op: "netns", path: first });
      const a = await ns.inside<Attachment[]>({ op: "attach", ctx, id: "a", netns: first, requests: [{ network: "n", ipv4Address: "10.91.0.5" }] });
      expect(a[0]!.ip).toBe("10.91.0.5");
      // crash: the namespace dies without any teardown; leases and records stay on disk
      await ns.stop();
      ns = await startNamespace({ dir, runtimeDir });
      await ns.inside({ op: "createNetwork", ctx, net });
      const second = join(runtimeDir, "netns", "b");
      await ns.inside({ op: "netns", path: second });
      const b = await ns.inside<Attachment[]>({ op: "attach", ctx, id: "b", netns: second, requests: [{ network: "n", ipv4Address: "10.91.0.5" }] });
      expect(b[0]!.ip).toBe("10.91.0.5");
      const { bridge } = await ns.inside<{ bridge: string }>({ op: "createNetwork", ctx, net });
      const mac = await ns.inside<ExecOut>({ op: "sh", argv: ["cat", `/sys/class/net/${bridge}/address`] });
      expect(mac.stdout.trim()).toMatch(/^02:/);
    } finally {
      await ns.stop();
      removeDir(dir);
    }
  });
});
