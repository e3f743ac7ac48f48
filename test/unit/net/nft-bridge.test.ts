import { describe, expect, test } from "bun:test";
import { renderRuleset } from "../../../src/net/nft.ts";
import { bridgeMac, bridgeName } from "../../../src/net/bridge.ts";
import { bridgeConf, orderAttachments, type NetworkInfo } from "../../../src/net/networks.ts";

describe("renderRuleset", () => {
  test("masquerades each outbound subnet and isolates bridges from each other and internal ones from all", () => {
    expect(
      renderRuleset([
        { key: "front", bridge: "ktf", subnet: "10.89.0.0/24", internal: false },
        { key: "back", bridge: "ktb", subnet: "10.89.1.0/24", internal: false },
        { key: "sealed", bridge: "kts", subnet: "10.89.2.0/24", internal: true },
      ]),
    ).toBe(`table ip kitten
delete table ip kitten
table ip kitten {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 10.89.1.0/24 ip daddr != 10.89.1.0/24 masquerade comment "back"
    ip saddr 10.89.0.0/24 ip daddr != 10.89.0.0/24 masquerade comment "front"
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "ktb" oifname { "ktf", "kts" } drop comment "back"
    iifname "ktf" oifname { "ktb", "kts" } drop comment "front"
    iifname "kts" oifname != "kts" drop comment "sealed"
    oifname "kts" iifname != "kts" drop comment "sealed"
  }
}
`);
  });

  test("deletes the table when no network is left", () => {
    expect(renderRuleset([])).toBe("table ip kitten\ndelete table ip kitten\n");
  });
});

describe("bridge identity", () => {
  test("is stable per network, fits IFNAMSIZ and uses a locally administered unicast MAC", () => {
    expect(bridgeName("shop", "front")).toBe(bridgeName("shop", "front"));
    expect(bridgeName("shop", "front")).not.toBe(bridgeName("shop", "back"));
    expect(bridgeName("shop", "front")).not.toBe(bridgeName("blog", "front"));
    expect(bridgeName("shop", "front")).toMatch(/^kt[0-9a-f]{10}$/);
    expect(bridgeMac("shop", "front")).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(bridgeMac("shop", "front")).not.toBe(bridgeMac("shop", "back"));
  });
});

describe("bridgeConf", () => {
  const ctx = { runtimeDir: "/run/k/p", project: "p" };
  const net: NetworkInfo = { key: "back", name: "p_back", subnet: "10.90.0.0/24", gateway: "10.90.0.1", ipRange: "10.90.0.128/25", internal: false, bridge: "ktb", mac: "02:00:00:00:00:01" };

  test("configures bridge without ipMasq and host-local with the ip_range and a default route", () => {
    const conf = bridgeConf(ctx, net, { defaultRoute: true });
    expect(conf).toMatchObject({ type: "bridge", bridge: "ktb", isGateway: true, ipMasq: false, hairpinMode: true, name: "p_back" });
    expect(conf.ipam).toEqual({
      type: "host-local",
      ranges: [[{ subnet: "10.90.0.0/24", gateway: "10.90.0.1", rangeStart: "10.90.0.128", rangeEnd: "10.90.0.254" }]],
      routes: [{ dst: "0.0.0.0/0" }],
      dataDir: "/run/k/p/net/ipam",
    });
    expect(conf.runtimeConfig).toBeUndefined();
  });

  test("asks for a static address through the ips capability over the whole subnet, without a default route", () => {
    const conf = bridgeConf(ctx, net, { defaultRoute: false, ipv4Address: "10.90.0.10" });
    expect(conf.runtimeConfig).toEqual({ ips: ["10.90.0.10/24"] });
    expect(conf.ipam).toMatchObject({ ranges: [[{ subnet: "10.90.0.0/24", gateway: "10.90.0.1" }]], routes: [] });
  });
});

test("orders attachments by priority, then by network name", () => {
  const order = orderAttachments([{ network: "b" }, { network: "a" }, { network: "z", priority: 5 }]).map((a) => a.network);
  expect(order).toEqual(["z", "a", "b"]);
});
