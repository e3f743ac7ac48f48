import { describe, expect, test } from "bun:test";
import { parsePrivatePort, renderMappings, selectMappings, type PublishedMapping } from "../../../src/net/port-list.ts";

const ports: PublishedMapping[] = [
  { hostIp: "0.0.0.0", hostPort: 40001, containerPort: 80, protocol: "tcp" },
  { hostIp: "127.0.0.1", hostPort: 5353, containerPort: 53, protocol: "udp" },
  { hostIp: "::1", hostPort: 8443, containerPort: 443, protocol: "tcp" },
];

describe("kitten port", () => {
  test("lists every mapping sorted by private port, docker style", () => {
    expect(renderMappings(selectMappings("web", ports), false)).toBe("53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:40001\n443/tcp -> [::1]:8443\n");
  });

  test.each([
    ["80", "0.0.0.0:40001\n"],
    ["80/tcp", "0.0.0.0:40001\n"],
    ["53/udp", "127.0.0.1:5353\n"],
  ])("prints only the host address for %s", (port, text) => {
    expect(renderMappings(selectMappings("web", ports, port), true)).toBe(text);
  });

  test("says which private port is not published", () => {
    expect(() => selectMappings("web", ports, "53")).toThrow('container "web": no public port 53/tcp published');
  });

  test.each(["http", "80/sctp", "0", "70000"])("rejects the private port %s", (text) => {
    expect(() => parsePrivatePort(text)).toThrow(`invalid port "${text}"`);
  });

  test("prints nothing for a container without published ports", () => {
    expect(renderMappings(selectMappings("web", []), false)).toBe("");
  });
});
