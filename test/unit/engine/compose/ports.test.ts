import { describe, expect, test } from "bun:test";
import { service, serviceError } from "./helpers.ts";

const p = (target: number, published?: string, extra: Record<string, unknown> = {}) => ({
  mode: "ingress",
  target,
  protocol: "tcp",
  ...(published === undefined ? {} : { published }),
  ...extra,
});

describe("ports in short syntax", () => {
  const cases: [string, unknown[]][] = [
    ['"80"', [p(80)]],
    ["80", [p(80)]],
    ['"8080:80"', [p(80, "8080")]],
    ['"127.0.0.1:8080:80"', [p(80, "8080", { host_ip: "127.0.0.1" })]],
    ['"127.0.0.1::80"', [p(80, undefined, { host_ip: "127.0.0.1" })]],
    ['"53:53/udp"', [p(53, "53", { protocol: "udp" })]],
    ['"9000:9000/sctp"', [p(9000, "9000", { protocol: "sctp" })]],
    ['"8000-8002:80-82"', [p(80, "8000"), p(81, "8001"), p(82, "8002")]],
    ['"3000-3001"', [p(3000), p(3001)]],
    ['"8000-8010:80"', [p(80, "8000-8010")]],
    ['"[::1]:8080:80"', [p(80, "8080", { host_ip: "::1" })]],
    ['"[::]:53:53/udp"', [p(53, "53", { host_ip: "::", protocol: "udp" })]],
    ['"0.0.0.0:5000-5001:5000-5001/udp"', [p(5000, "5000", { host_ip: "0.0.0.0", protocol: "udp" }), p(5001, "5001", { host_ip: "0.0.0.0", protocol: "udp" })]],
  ];
  test.each(cases)("reads %s", (entry, expected) => {
    expect(service(`ports: [${entry}]`).ports).toEqual(expected as never);
  });

  const bad: [string, string][] = [
    ['"80:80:80:80"', 'invalid host IP "80:80"'],
    ['"http"', 'invalid container port "http"'],
    ['"0:80"', 'invalid host port "0"'],
    ['"80:65536"', 'invalid container port "65536"'],
    ['"80/icmp"', 'unknown protocol "icmp"'],
    ['"8000-8001:80-82"', "ranges differ"],
    ['"8000:80-82"', "ranges differ"],
    ['"300.1.1.1:80:80"', 'invalid host IP "300.1.1.1"'],
    ["true", 'expected a port like "8080:80", a number or a mapping, got true'],
    ["[80]", "got a list"],
  ];
  test.each(bad)("refuses %s", (entry, message) => {
    const err = serviceError(`ports: [${entry}]`);
    expect(err.message).toStartWith("services.web.ports[0]: ");
    expect(err.message).toContain(message);
  });
});

describe("ports in long syntax", () => {
  test("reads every field and keeps the published port as a string", () => {
    expect(service("ports:\n  - {target: 80, published: 8080, host_ip: 127.0.0.1, protocol: udp, mode: host, name: web, app_protocol: http}").ports).toEqual([
      { mode: "host", target: 80, published: "8080", host_ip: "127.0.0.1", protocol: "udp", name: "web", app_protocol: "http" },
    ]);
  });

  test("accepts a published range and a target given as a string (after interpolation)", () => {
    expect(service('ports:\n  - {target: "80", published: "8000-8005"}').ports).toEqual([p(80, "8000-8005")] as never);
  });

  test.each([
    ["{published: 8080}", 'needs a "target"'],
    ["{target: 80, mode: swarm}", "port mode must be ingress or host"],
    ["{target: 80, protocol: icmp}", 'invalid protocol "icmp"'],
    ["{target: 80, published: abc}", 'invalid published port "abc"'],
    ["{target: 80, host_ip: localhost}", 'invalid IP address "localhost"'],
    ["{target: 80, hostip: 1.2.3.4}", 'unknown key "hostip"'],
  ])("refuses %s", (entry, message) => {
    expect(serviceError(`ports: [${entry}]`).message).toContain(message);
  });
});

describe("expose", () => {
  test("keeps ports and ranges as strings", () => {
    expect(service('expose: [80, "8000-8010", "53/udp"]').expose).toEqual(["80", "8000-8010", "53/udp"]);
  });
  test("refuses a malformed entry", () => {
    expect(serviceError('expose: ["http"]').message).toContain('invalid exposed port "http"');
  });
});
