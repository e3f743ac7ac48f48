import { describe, expect, test } from "bun:test";
import { cniAttacher, pruneNetworks, type AttachContext, type NetAgent } from "../../../src/net/attacher.ts";
import { NetRequestSchema, type NetRequest } from "../../../src/net/net-protocol.ts";

/** Records requests and answers like the agent would, from an in-memory network list. */
function fakeAgent(initial: Array<{ key: string; subnet: string }> = []) {
  const calls: NetRequest[] = [];
  const networks = initial.map((n) => ({ ...n, name: `p_${n.key}`, gateway: "", internal: false, bridge: "", mac: "" }));
  const containers: Array<{ containerId: string; attachments: Array<{ network: string; ip: string }> }> = [];
  const agent: NetAgent = {
    async call(_op, request) {
      const req = NetRequestSchema.parse(request);
      calls.push(request);
      switch (req.op) {
        case "list":
          return { networks, containers };
        case "createNetwork":
          networks.push({ ...req.net, bridge: "", mac: "" } as (typeof networks)[number]);
          return req.net;
        case "attach": {
          const attachments = req.requests.map((r, i) => ({ network: r.network, ifname: `eth${i}`, ip: r.ipv4Address ?? `10.89.0.${10 + i}`, aliases: r.aliases ?? [] }));
          containers.push({ containerId: req.containerId, attachments });
          return { attachments };
        }
        default:
          return {};
      }
    },
  };
  return { agent, calls, networks };
}

const ctx = (agent: NetAgent, networks: AttachContext["spec"]["networks"]): AttachContext => ({
  project: "p",
  containerId: "c1",
  netnsPath: "/run/p/netns/c1",
  hostsPath: "/run/p/c1/hosts",
  runtimeDir: "/run/p",
  spec: { name: "p-web-1", service: "web", networks, extraHosts: ["a:1.2.3.4"] },
  agent,
});

describe("cniAttacher", () => {
  test("creates planned networks that are missing, then attaches with the hosts identity", async () => {
    const { agent, calls } = fakeAgent([{ key: "front", subnet: "10.89.0.0/24" }]);
    const attacher = cniAttacher({
      networks: () => [{ key: "back", name: "p_back", subnet: "10.90.0.0/24", gateway: "10.90.0.1", internal: true, userSubnet: true }],
    });
    const ips = await attacher.attach(ctx(agent, { front: { aliases: ["www"] }, back: { ipv4Address: "10.90.0.5" } }));
    expect(ips).toEqual({ front: "10.89.0.10", back: "10.90.0.5" });
    expect(calls.filter((c) => c.op === "createNetwork")).toEqual([
      { op: "createNetwork", ctx: { runtimeDir: "/run/p", project: "p" }, net: { key: "back", name: "p_back", subnet: "10.90.0.0/24", gateway: "10.90.0.1", ipRange: undefined, internal: true } },
    ]);
    const attach = calls.find((c) => c.op === "attach");
    expect(attach).toMatchObject({
      containerId: "c1",
      netnsPath: "/run/p/netns/c1",
      requests: [{ network: "front", aliases: ["www"] }, { network: "back", ipv4Address: "10.90.0.5" }],
      identity: { name: "p-web-1", service: "web", extraHosts: ["a:1.2.3.4"], hostsPath: "/run/p/c1/hosts" },
    });
  });

  test("gives an unplanned network a default subnet clear of existing and other projects' ones", async () => {
    const { agent, calls } = fakeAgent([{ key: "front", subnet: "10.89.0.0/24" }]);
    const attacher = cniAttacher({ usedSubnets: () => ["10.89.1.0/24"] });
    await attacher.attach(ctx(agent, { adhoc: {} }));
    expect(calls.find((c) => c.op === "createNetwork")).toMatchObject({ net: { key: "adhoc", name: "p_adhoc", subnet: "10.89.2.0/24", gateway: "10.89.2.1" } });
  });

  test("creates a network once when containers attach to it concurrently", async () => {
    const { agent, calls } = fakeAgent();
    const attacher = cniAttacher();
    await Promise.all([attacher.attach(ctx(agent, { n: {} })), attacher.attach({ ...ctx(agent, { n: {} }), containerId: "c2" })]);
    expect(calls.filter((c) => c.op === "createNetwork")).toHaveLength(1);
  });
});

test("pruneNetworks removes only networks no container uses", async () => {
  const { agent, calls } = fakeAgent([{ key: "front", subnet: "10.89.0.0/24" }, { key: "back", subnet: "10.89.1.0/24" }]);
  await cniAttacher().attach(ctx(agent, { front: {} }));
  expect(await pruneNetworks(agent, { runtimeDir: "/run/p", project: "p" })).toEqual(["back"]);
  expect(calls.filter((c) => c.op === "removeNetwork")).toEqual([{ op: "removeNetwork", ctx: { runtimeDir: "/run/p", project: "p" }, key: "back" }]);
});

describe("cniAttacher when the project changed a network", () => {
  const planned = [{ key: "front", name: "p_front", subnet: "10.89.5.0/24", gateway: "10.89.5.1", internal: false, userSubnet: true }];

  test("recreates it when no container uses it", async () => {
    const { agent, calls } = fakeAgent([{ key: "front", subnet: "10.89.0.0/24" }]);
    await cniAttacher({ networks: () => planned }).attach(ctx(agent, { front: {} }));
    expect(calls.map((c) => c.op)).toEqual(["list", "removeNetwork", "createNetwork", "attach"]);
  });

  test("refuses while a container still uses it, naming both", async () => {
    const { agent } = fakeAgent([{ key: "front", subnet: "10.89.0.0/24" }]);
    await cniAttacher().attach({ ...ctx(agent, { front: {} }), containerId: "old" });
    const run = cniAttacher({ networks: () => planned }).attach(ctx(agent, { front: {} }));
    await expect(run).rejects.toThrow(`network "front" changed but container "old" still uses it`);
  });
});
