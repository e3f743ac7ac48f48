import { describe, expect, test } from "bun:test";
import { networkModeOf, resolveNetns, specNetworking, type NetworkMode } from "../../../src/net/modes.ts";

describe("networkModeOf", () => {
  const nets = { front: {}, back: { driver: "bridge" as const }, hostnet: { driver: "host" as const }, nonet: { driver: "none" as const } };
  test.each([
    ["no networks and no mode", {}, { kind: "bridge", networks: [{ network: "default" }] }],
    ["network_mode host", { network_mode: "host" }, { kind: "host" }],
    ["network_mode none", { network_mode: "none" }, { kind: "none" }],
    ["network_mode bridge", { network_mode: "bridge" }, { kind: "bridge", networks: [{ network: "default" }] }],
    ["network_mode service:db", { network_mode: "service:db" }, { kind: "service", service: "db" }],
    ["network_mode container:p-db-1", { network_mode: "container:p-db-1" }, { kind: "container", container: "p-db-1" }],
    ["a Kitten host network", { networks: { hostnet: null } }, { kind: "host" }],
    ["a Kitten none network", { networks: { nonet: null } }, { kind: "none" }],
    [
      "two bridge networks",
      { networks: { front: { aliases: ["w"] }, back: { ipv4_address: "10.90.0.5", priority: 10 } } },
      { kind: "bridge", networks: [{ network: "front", aliases: ["w"] }, { network: "back", ipv4Address: "10.90.0.5", priority: 10 }] },
    ],
  ])("maps %s", (_what, service, expected) => {
    expect(networkModeOf("web", service, nets)).toMatchObject(expected as NetworkMode);
  });

  test.each([
    ["network_mode with networks", { network_mode: "host", networks: { front: null } }, `service "web": network_mode and networks cannot be combined`],
    ["an unknown mode", { network_mode: "macvlan" }, `service "web": unknown network_mode "macvlan"`],
    ["a host network with another", { networks: { hostnet: null, front: null } }, `service "web": a host network cannot be combined with other networks`],
  ])("rejects %s", (_what, service, message) => {
    expect(() => networkModeOf("web", service, nets)).toThrow(message);
  });
});

describe("resolveNetns", () => {
  const lookup = {
    netnsOfContainer: (name: string) => ({ "p-db-1": "/run/netns/db1", "p-db-2": "/run/netns/db2" })[name],
    containersOfService: (s: string) => (s === "db" ? [{ name: "p-db-2", replica: 2 }, { name: "p-db-1", replica: 1 }] : []),
  };

  test.each([
    ["bridge", { kind: "bridge", networks: [] }, { kind: "own", attach: true }],
    ["none", { kind: "none" }, { kind: "own", attach: false }],
    ["host", { kind: "host" }, { kind: "namespace" }],
    ["container", { kind: "container", container: "p-db-2" }, { kind: "join", netnsPath: "/run/netns/db2", of: "p-db-2" }],
    ["service (first replica)", { kind: "service", service: "db" }, { kind: "join", netnsPath: "/run/netns/db1", of: "p-db-1" }],
  ])("resolves %s", (_what, mode, expected) => {
    expect(resolveNetns(mode as NetworkMode, lookup)).toEqual(expected as ReturnType<typeof resolveNetns>);
  });

  test("names a container that is not running", () => {
    expect(() => resolveNetns({ kind: "container", container: "p-x-1" }, lookup)).toThrow(`network_mode container:p-x-1: container "p-x-1" is not running`);
    expect(() => resolveNetns({ kind: "service", service: "cache" }, lookup)).toThrow(`network_mode service:cache: no running container of service "cache"`);
  });
});

describe("specNetworking", () => {
  const nets = { front: {}, hostnet: { driver: "host" as const } };
  const name = (s: string) => `p-${s}-1`;
  test.each([
    ["bridge networks with aliases, address and priority", { networks: { front: { aliases: ["w"], ipv4_address: "10.90.0.5", priority: 3 } } }, { networks: { front: { aliases: ["w"], ipv4Address: "10.90.0.5", priority: 3 } } }],
    ["no networks: the default one", {}, { networks: { default: {} } }],
    ["a Kitten host network", { networks: { hostnet: null } }, { networkMode: "host" }],
    ["service:db", { network_mode: "service:db" }, { networkMode: "container:p-db-1" }],
    ["container:x", { network_mode: "container:x" }, { networkMode: "container:x" }],
    ["none", { network_mode: "none" }, { networkMode: "none" }],
  ])("maps %s", (_what, service, expected) => {
    expect(specNetworking("web", service, nets, name)).toEqual(expected as ReturnType<typeof specNetworking>);
  });
});
