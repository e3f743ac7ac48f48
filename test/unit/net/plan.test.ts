import { expect, test } from "bun:test";
import { planProjectNetworks, type PlanProject } from "../../../src/net/plan.ts";
import { hostsPeerOf } from "../../../src/net/hosts.ts";
import { ProjectSchema } from "../../../src/engine/compose/model.ts";

const shop: PlanProject = {
  name: "shop",
  services: {
    web: { networks: { front: { aliases: ["www"] } } },
    api: { networks: { front: null, back: null }, deploy: { replicas: 3 } },
    db: { networks: { back: { ipv4_address: "10.90.0.10" } } },
    tool: {},
    sidecar: { network_mode: "service:api" },
  },
  networks: {
    front: { name: "shop_front" },
    back: { name: "shop_back", internal: true, ipam: { config: [{ subnet: "10.90.0.0/24" }] } },
    unused: { name: "shop_unused" },
  },
};

test("plans the networks services use, with the implicit default network, skipping unused ones", () => {
  const { networks, warnings } = planProjectNetworks(shop, ["10.89.0.0/24"]);
  expect(networks.map((n) => [n.key, n.name, n.subnet, n.internal])).toEqual([
    ["back", "shop_back", "10.90.0.0/24", true],
    ["default", "shop_default", "10.89.1.0/24", false],
    ["front", "shop_front", "10.89.2.0/24", false],
  ]);
  expect(warnings).toEqual([]);
});

test("keeps the subnet of a network that already exists", () => {
  const { networks } = planProjectNetworks(shop, [], { front: "10.89.7.0/24" });
  expect(networks.find((n) => n.key === "front")!.subnet).toBe("10.89.7.0/24");
  expect(networks.find((n) => n.key === "default")!.subnet).toBe("10.89.0.0/24");
});

test("rejects a service on an undeclared network and a static address shared by replicas", () => {
  expect(() => planProjectNetworks({ ...shop, services: { web: { networks: { nope: null } } } })).toThrow(`service "web": network "nope" is not declared`);
  const scaled = { ...shop, services: { db: { networks: { back: { ipv4_address: "10.90.0.10" } }, deploy: { replicas: 2 } } } };
  expect(() => planProjectNetworks(scaled)).toThrow(`service "db": ipv4_address 10.90.0.10 cannot be shared by 2 replicas`);
});

test("warns about external networks and foreign ipam drivers", () => {
  const project: PlanProject = { name: "p", services: { a: { networks: { ext: null } } }, networks: { ext: { name: "shared", external: true, ipam: { driver: "dhcp" } } } };
  expect(planProjectNetworks(project).warnings).toEqual([
    `network "ext": external networks cannot be shared between projects rootless; kitten creates it inside this project`,
    `network "ext": ignoring ipam driver "dhcp"`,
  ]);
});

test("turns a container spec and its addresses into a hosts peer", () => {
  expect(hostsPeerOf({ name: "shop-web-1", service: "web", networks: { front: { aliases: ["www"] } }, extraHosts: ["a:1.2.3.4"] }, { front: "10.89.0.2" })).toEqual({
    name: "shop-web-1",
    service: "web",
    hostname: undefined,
    networks: { front: { ip: "10.89.0.2", aliases: ["www"] } },
    extraHosts: ["a:1.2.3.4"],
  });
});

test("accepts the engine's normalized Project model as it is", () => {
  const project = ProjectSchema.parse({
    name: "shop",
    services: { web: { image: "nginx", networks: { front: { aliases: ["www"], priority: 5 } } }, db: { image: "postgres", network_mode: "none" } },
    networks: { front: { name: "shop_front", internal: false, ipam: { config: [{ subnet: "10.90.0.0/24" }] } } },
  });
  expect(planProjectNetworks(project).networks.map((n) => [n.key, n.subnet])).toEqual([["front", "10.90.0.0/24"]]);
});
