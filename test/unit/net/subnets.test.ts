import { describe, expect, test } from "bun:test";
import { cidrsOverlap, formatIpv4, parseCidr, parseIpv4, planSubnets, validateStaticAddresses, type NetworkPlan } from "../../../src/net/subnets.ts";

describe("ipv4 parsing", () => {
  test.each([
    ["10.89.0.1", 0x0a590001],
    ["255.255.255.255", 0xffffffff],
    ["0.0.0.0", 0],
  ])("parses %s", (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(formatIpv4(value)).toBe(text);
  });

  test.each(["10.89.0", "10.89.0.256", "a.b.c.d", "10.89.0.1.2", "10.089.0.1x"])("rejects %s", (text) => {
    expect(parseIpv4(text)).toBeUndefined();
  });

  test("rejects a cidr with host bits set and accepts the network address", () => {
    expect(parseCidr("10.90.0.5/24")).toBeUndefined();
    expect(parseCidr("10.90.0.0/24")).toEqual({ base: 0x0a5a0000, prefix: 24 });
    expect(parseCidr("10.90.0.0/33")).toBeUndefined();
  });

  test.each([
    ["10.0.0.0/8", "10.89.0.0/24", true],
    ["10.89.0.0/24", "10.89.1.0/24", false],
    ["10.89.0.0/23", "10.89.1.0/24", true],
    ["192.168.0.0/16", "10.89.0.0/24", false],
  ])("%s and %s overlap: %p", (a, b, expected) => {
    expect(cidrsOverlap(parseCidr(a)!, parseCidr(b)!)).toBe(expected);
    expect(cidrsOverlap(parseCidr(b)!, parseCidr(a)!)).toBe(expected);
  });
});

describe("planSubnets", () => {
  test("allocates consecutive /24s from 10.89.0.0 with the first host as gateway", () => {
    const plans = planSubnets([{ key: "a", name: "p_a" }, { key: "b", name: "p_b", internal: true }]);
    expect(plans).toEqual([
      { key: "a", name: "p_a", subnet: "10.89.0.0/24", gateway: "10.89.0.1", internal: false, userSubnet: false },
      { key: "b", name: "p_b", subnet: "10.89.1.0/24", gateway: "10.89.1.1", internal: true, userSubnet: false },
    ]);
  });

  test("skips subnets other projects use and subnets the user configured later in the file", () => {
    const plans = planSubnets(
      [{ key: "a", name: "p_a" }, { key: "b", name: "p_b", ipam: [{ subnet: "10.89.1.0/24" }] }],
      ["10.89.0.0/24", "10.89.2.0/23"],
    );
    expect(plans.map((p) => p.subnet)).toEqual(["10.89.4.0/24", "10.89.1.0/24"]);
  });

  test("honours subnet, gateway and ip_range", () => {
    const [plan] = planSubnets([{ key: "a", name: "p_a", ipam: [{ subnet: "172.30.0.0/16", gateway: "172.30.0.254", ip_range: "172.30.5.0/24" }] }]);
    expect(plan).toEqual({ key: "a", name: "p_a", subnet: "172.30.0.0/16", gateway: "172.30.0.254", ipRange: "172.30.5.0/24", internal: false, userSubnet: true });
  });

  test.each([
    ["overlapping slirp's network", { subnet: "10.0.2.0/24" }, `network "a": subnet 10.0.2.0/24 overlaps the rootless namespace's slirp network`],
    ["containing slirp's network", { subnet: "10.0.0.0/8" }, `network "a": subnet 10.0.0.0/8 overlaps the rootless namespace's slirp network`],
    ["overlapping another project's network", { subnet: "10.95.0.0/24" }, `network "a": subnet 10.95.0.0/24 overlaps another kitten network (10.95.0.0/16)`],
    ["with host bits set", { subnet: "10.90.0.1/24" }, `network "a": invalid subnet "10.90.0.1/24"`],
    ["smaller than /30", { subnet: "10.90.0.0/31" }, `network "a": subnet 10.90.0.0/31 is too small`],
    ["with a gateway outside it", { subnet: "10.90.0.0/24", gateway: "10.91.0.1" }, `network "a": gateway 10.91.0.1 is not a host address of 10.90.0.0/24`],
    ["with the broadcast address as gateway", { subnet: "10.90.0.0/24", gateway: "10.90.0.255" }, `network "a": gateway 10.90.0.255 is not a host address of 10.90.0.0/24`],
    ["with an ip_range outside it", { subnet: "10.90.0.0/24", ip_range: "10.90.0.0/23" }, `network "a": ip_range 10.90.0.0/23 is not inside subnet 10.90.0.0/24`],
    ["missing while a gateway is given", { gateway: "10.90.0.1" }, `network "a": ipam gateway and ip_range need a subnet`],
    ["in ipv6", { subnet: "fd00::/64" }, `network "a": ipv6 subnets are not supported`],
  ])("rejects a subnet %s", (_what, config, message) => {
    expect(() => planSubnets([{ key: "a", name: "p_a", ipam: [config] }], ["10.95.0.0/16"])).toThrow(message);
  });

  test("rejects two networks configured with overlapping subnets, naming both", () => {
    expect(() =>
      planSubnets([
        { key: "a", name: "p_a", ipam: [{ subnet: "10.90.0.0/16" }] },
        { key: "b", name: "p_b", ipam: [{ subnet: "10.90.3.0/24" }] },
      ]),
    ).toThrow(`network "b": subnet 10.90.3.0/24 overlaps network "a" (10.90.0.0/16)`);
  });

  test("moves past a full 10.89.0.0/16 and reports an exhausted pool", () => {
    expect(planSubnets([{ key: "a", name: "p_a" }], ["10.89.0.0/16"])[0]!.subnet).toBe("10.90.0.0/24");
    expect(() => planSubnets([{ key: "a", name: "p_a" }], ["10.64.0.0/10"])).toThrow(`network "a": no free /24 left between 10.89.0.0 and 10.127.255.255`);
  });
});

describe("validateStaticAddresses", () => {
  const plans: NetworkPlan[] = [
    { key: "back", name: "p_back", subnet: "10.90.0.0/24", gateway: "10.90.0.1", internal: false, userSubnet: true },
    { key: "auto", name: "p_auto", subnet: "10.89.0.0/24", gateway: "10.89.0.1", internal: false, userSubnet: false },
  ];

  test("accepts distinct host addresses inside configured subnets", () => {
    expect(() =>
      validateStaticAddresses(plans, [
        { service: "db", network: "back", address: "10.90.0.10", replicas: 1 },
        { service: "cache", network: "back", address: "10.90.0.11", replicas: 1 },
      ]),
    ).not.toThrow();
  });

  test.each([
    ["outside the subnet", { network: "back", address: "10.91.0.10" }, `service "db": ipv4_address 10.91.0.10 is outside subnet 10.90.0.0/24 of network "back"`],
    ["equal to the gateway", { network: "back", address: "10.90.0.1" }, `service "db": ipv4_address 10.90.0.1 is the gateway of network "back"`],
    ["equal to the broadcast address", { network: "back", address: "10.90.0.255" }, `service "db": ipv4_address 10.90.0.255 is not a host address of 10.90.0.0/24`],
    ["that is malformed", { network: "back", address: "10.90.0" }, `service "db": invalid ipv4_address "10.90.0"`],
    ["on a network without a configured subnet", { network: "auto", address: "10.89.0.5" }, `service "db": ipv4_address 10.89.0.5 needs network "auto" to have a configured subnet`],
    ["on an unknown network", { network: "nope", address: "10.89.0.5" }, `service "db": ipv4_address on unknown network "nope"`],
    ["shared by replicas", { network: "back", address: "10.90.0.10", replicas: 2 }, `service "db": ipv4_address 10.90.0.10 cannot be shared by 2 replicas`],
  ])("rejects an address %s", (_what, a, message) => {
    expect(() => validateStaticAddresses(plans, [{ service: "db", replicas: 1, ...a }])).toThrow(message);
  });

  test("rejects one address given to two services", () => {
    expect(() =>
      validateStaticAddresses(plans, [
        { service: "db", network: "back", address: "10.90.0.10", replicas: 1 },
        { service: "cache", network: "back", address: "10.90.0.10", replicas: 1 },
      ]),
    ).toThrow(`service "cache": ipv4_address 10.90.0.10 is already used by service "db" on network "back"`);
  });
});
