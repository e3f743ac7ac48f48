import { describe, expect, test } from "bun:test";
import { HOSTS_HEADER, parseExtraHost, renderAllHostsFiles, renderHostsFile, renderResolvConf, type HostsPeer } from "../../../src/net/hosts.ts";

const web: HostsPeer = { name: "shop-web-1", service: "web", hostname: "www", networks: { front: { ip: "10.89.0.2" } }, extraHosts: ["metrics=192.0.2.7", "host.docker.internal:host-gateway"] };
const api1: HostsPeer = { name: "shop-api-1", service: "api", networks: { back: { ip: "10.89.1.3", aliases: ["backend"] }, front: { ip: "10.89.0.3", aliases: ["apisvc"] } } };
const api2: HostsPeer = { name: "shop-api-2", service: "api", networks: { back: { ip: "10.89.1.4", aliases: ["backend"] }, front: { ip: "10.89.0.4", aliases: ["apisvc"] } } };
const db: HostsPeer = { name: "shop-db-1", service: "db", networks: { back: { ip: "10.89.1.10" } } };
const all = [web, api1, api2, db];

describe("renderHostsFile", () => {
  test("lists localhost, itself, every peer on a shared network and extra_hosts, in that order", () => {
    expect(renderHostsFile(web, all)).toBe(
      [
        HOSTS_HEADER,
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "10.89.0.2\twww shop-web-1 web",
        "10.89.0.3\tapi shop-api-1 apisvc",
        "10.89.0.4\tapi shop-api-2 apisvc",
        "192.0.2.7\tmetrics",
        "10.0.2.2\thost.docker.internal",
        "",
      ].join("\n"),
    );
  });

  test("does not list containers that share no network with it", () => {
    expect(renderHostsFile(web, all)).not.toContain("shop-db-1");
    expect(renderHostsFile(db, all)).not.toContain("shop-web-1");
  });

  test("names a peer by its address on the first network it shares and lists its aliases per network", () => {
    const text = renderHostsFile(api1, all);
    expect(text).toContain("10.89.1.3\tshop-api-1 api backend\n10.89.0.3\tapisvc\n");
    // api-2 is reached on back (api-1's first network) by name, and on front by its alias there
    expect(text).toContain("10.89.1.4\tapi shop-api-2 backend\n10.89.0.4\tapisvc\n");
    expect(text).toContain("10.89.1.10\tdb shop-db-1\n");
    expect(text).toContain("10.89.0.2\tweb shop-web-1 www\n");
  });

  test("maps a hostname to the loopback for a container without networks", () => {
    const alone: HostsPeer = { name: "shop-cron-1", service: "cron", hostname: "cron", networks: {} };
    expect(renderHostsFile(alone, [alone, ...all])).toBe(`${HOSTS_HEADER}\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tcron shop-cron-1\n`);
  });

  test("renders one file per container", () => {
    const files = renderAllHostsFiles(all);
    expect([...files.keys()]).toEqual(["shop-web-1", "shop-api-1", "shop-api-2", "shop-db-1"]);
    expect(files.get("shop-db-1")).toContain("10.89.1.3\tapi shop-api-1 backend");
  });
});

describe("parseExtraHost", () => {
  test.each([
    ["name:ip", "db.local:10.1.2.3", { name: "db.local", ip: "10.1.2.3" }],
    ["name=ip", "db.local=10.1.2.3", { name: "db.local", ip: "10.1.2.3" }],
    ["an ipv6 address after a colon", "v6:::1", { name: "v6", ip: "::1" }],
    ["an ipv6 address in brackets", "v6=[fd00::1]", { name: "v6", ip: "fd00::1" }],
    ["host-gateway", "gw:host-gateway", { name: "gw", ip: "10.0.2.2" }],
  ])("parses %s", (_what, entry, expected) => {
    expect(parseExtraHost(entry)).toEqual(expected);
  });

  test.each(["nohost", ":10.0.0.1", "name:"])("ignores the malformed entry %s", (entry) => {
    expect(parseExtraHost(entry)).toBeUndefined();
  });
});

test("resolv.conf points at slirp's dns unless nameservers are given", () => {
  expect(renderResolvConf()).toBe("nameserver 10.0.2.3\n");
  expect(renderResolvConf({ nameservers: ["1.1.1.1"], search: ["corp"] })).toBe("nameserver 1.1.1.1\nsearch corp\n");
});
