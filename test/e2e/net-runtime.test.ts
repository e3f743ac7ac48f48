/**
 * Containers created by the real runtime (RootlessRuntime: rootlesskit namespace, agent, runc,
 * conmon) on compose networks through the CNI attacher and the agent's `net` operation — the
 * wiring `kitten up` will use (it has no CLI yet: `up` runs only with --dry-run, so this drives
 * the runtime in process, as root). A busybox rootfs image; names resolve through the hosts
 * files the network library keeps current.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { kittenPaths } from "../../src/core/paths.ts";
import { MemoryReporter } from "../../src/core/reporter.ts";
import { RuntimeImages } from "../../src/engine/runtime/image-source.ts";
import { RootlessRuntime } from "../../src/engine/runtime/rootless-runtime.ts";
import type { ContainerSpec } from "../../src/engine/runtime/types.ts";
import { cniAttacher, pruneNetworks } from "../../src/net/attacher.ts";
import { stopNamespace } from "../../src/net/namespace/index.ts";
import type { NetworkInfo } from "../../src/net/networks.ts";
import { planProjectNetworks } from "../../src/net/plan.ts";
import { tempRoot } from "./helpers.ts";
import { buildRootfs } from "./run-fixtures.ts";

// bunfig's [test] timeout is not applied by bun 1.4.5: namespaces and CNI need more than 5 s
setDefaultTimeout(60_000);

const PROJECT = "nt";

describe("runtime containers on compose networks", () => {
  let root: string;
  let rootfs: string;
  let runtime: RootlessRuntime;
  const paths = () => kittenPaths({ KITTEN_ROOT: root });
  const names: string[] = [];

  const plan = planProjectNetworks({
    name: PROJECT,
    services: { web: { networks: { front: null } }, api: { networks: { front: null, back: null } }, db: { networks: { back: { ipv4_address: "10.90.0.10" } } } },
    networks: { front: { name: "nt_front" }, back: { name: "nt_back", internal: true, ipam: { config: [{ subnet: "10.90.0.0/24" }] } } },
  });

  function spec(service: string, replica: number, networks: ContainerSpec["networks"], extra: Partial<ContainerSpec> = {}): ContainerSpec {
    const name = `${PROJECT}-${service}-${replica}`;
    return {
      name,
      project: PROJECT,
      service,
      replica,
      image: rootfs,
      hostname: name,
      // every container serves its own name
      command: ["sh", "-c", `echo ${name} > /tmp/index.html && exec httpd -f -p 8080 -h /tmp`],
      env: {},
      networks,
      ...extra,
    };
  }

  async function up(s: ContainerSpec) {
    await runtime.create(s);
    await runtime.start(s.name);
    if (!names.includes(s.name)) names.push(s.name);
  }

  // busybox 1.35's static wget segfaults with -T: `timeout` bounds it instead
  const sh = (name: string, script: string) => runtime.exec(name, ["sh", "-c", script], { timeoutMs: 10_000 });
  const ipOf = async (name: string, net: string) => (await runtime.inspect(name))!.ips![net]!;

  beforeAll(async () => {
    root = tempRoot();
    rootfs = buildRootfs();
    runtime = new RootlessRuntime({
      paths: paths(),
      images: new RuntimeImages({ paths: paths(), reporter: new MemoryReporter() }),
      reporter: new MemoryReporter(),
      namespace: { hostLoopback: false },
      network: cniAttacher({ networks: () => plan.networks }),
    });
    await up(spec("web", 1, { front: { aliases: ["www"] } }, { ports: [{ target: 8080, host_ip: "127.0.0.1", protocol: "tcp", mode: "ingress" }] }));
    await up(spec("api", 1, { front: { aliases: ["apisvc"] }, back: {} }));
    await up(spec("api", 2, { front: { aliases: ["apisvc"] }, back: {} }));
    await up(spec("db", 1, { back: { ipv4Address: "10.90.0.10" } }));
  }, 120_000);

  afterAll(async () => {
    for (const n of names) await runtime?.remove(n, { force: true }).catch(() => {});
    if (root) {
      await stopNamespace(paths(), PROJECT).catch(() => {});
      rmSync(root, { recursive: true, force: true });
    }
    if (rootfs) rmSync(dirname(rootfs), { recursive: true, force: true });
  });

  test("reaches other containers by service name, container name and alias on shared networks", async () => {
    for (const target of ["nt-api-1", "nt-api-2", "apisvc"]) {
      const r = await sh("nt-web-1", `timeout 3 wget -q -O - http://${target}:8080/`);
      expect(r.stdout).toMatch(/^nt-api-[12]\n$/);
    }
    expect((await sh("nt-api-1", "timeout 3 wget -q -O - http://db:8080/")).stdout).toBe("nt-db-1\n");
  });

  test("lists every replica of a service in the hosts file", async () => {
    const hosts = (await sh("nt-web-1", "cat /etc/hosts")).stdout;
    const apiLines = hosts.split("\n").filter((l) => /\sapi(\s|$)/.test(l));
    expect(apiLines.map((l) => l.split("\t")[0]).sort()).toEqual([await ipOf("nt-api-1", "front"), await ipOf("nt-api-2", "front")].sort());
  });

  test("does not resolve or reach a container on a network it does not share", async () => {
    expect((await sh("nt-web-1", "grep -c db /etc/hosts")).stdout.trim()).toBe("0");
    const r = await sh("nt-web-1", "timeout 2 wget -q -O - http://10.90.0.10:8080/");
    expect(r.exitCode).not.toBe(0);
  });

  test("gives a container on an internal network only no default route", async () => {
    const routes = (await sh("nt-db-1", "ip route")).stdout;
    expect(routes).not.toContain("default");
    expect(routes).toContain("10.90.0.0/24");
  });

  test("publishes an ephemeral host port to the container's address", async () => {
    const state = await runtime.inspect("nt-web-1");
    const port = state!.ports!.find((p) => p.containerPort === 8080)!;
    expect(port.hostPort).toBeGreaterThan(0);
    expect(await (await fetch(`http://127.0.0.1:${port.hostPort}/`)).text()).toBe("nt-web-1\n");
  });

  test("keeps names right after a container is recreated with a new address", async () => {
    const before = await ipOf("nt-api-2", "front");
    await runtime.remove("nt-api-2", { force: true });
    expect((await sh("nt-web-1", "grep -c nt-api-2 /etc/hosts")).stdout.trim()).toBe("0");
    // take the old address so the new container cannot get it back
    await up(spec("api", 3, { front: {} }));
    await up(spec("api", 2, { front: { aliases: ["apisvc"] }, back: {} }));
    const after = await ipOf("nt-api-2", "front");
    expect(after).not.toBe(before);
    expect((await sh("nt-web-1", "timeout 3 wget -q -O - http://nt-api-2:8080/")).stdout).toBe("nt-api-2\n");
  });

  test("leaves no bridge, rule or lease once the containers and networks are gone", async () => {
    for (const n of names.splice(0)) await runtime.remove(n, { force: true });
    const { ns, agent } = await runtime.namespace(PROJECT);
    const ctx = { runtimeDir: ns.runtimeDir, project: PROJECT };
    expect((await pruneNetworks(agent, ctx)).sort()).toEqual(["back", "front"]);
    const left = (await agent.call("net", { op: "list", ctx })) as { networks: NetworkInfo[]; containers: unknown[] };
    expect(left).toEqual({ networks: [], containers: [] });
    const links = await agent.call("spawn", { argv: ["ip", "-o", "link", "show"] });
    expect(links.stdout.split("\n").filter(Boolean).map((l) => l.split(":")[1]!.trim().split("@")[0]).sort()).toEqual(["lo", "tap0"]);
    const rules = await agent.call("spawn", { argv: ["nft", "list", "ruleset"] });
    expect(rules.stdout.trim()).toBe("");
  });
});
