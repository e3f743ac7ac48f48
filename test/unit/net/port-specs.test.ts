import { describe, expect, test } from "bun:test";
import { expandPorts, findConflict, resolvePortSpecs, type PortProbe, type PortProto } from "../../../src/net/port-specs.ts";

/** A host where `busy` ports are held by something kitten does not know, and ephemeral ports count up. */
function fakeHost(busy: Array<[string, number, PortProto]> = [], low = false): PortProbe & { next: number } {
  return {
    next: 40000,
    async check(ip, port, proto) {
      if (low && port < 1024) return "needs privileges to bind";
      return busy.some(([i, p, pr]) => p === port && pr === proto && (i === ip || i === "0.0.0.0" || ip === "0.0.0.0")) ? "is already in use on the host" : undefined;
    },
    async ephemeral() {
      return this.next++;
    },
  };
}

describe("expandPorts", () => {
  test("maps every long-syntax form onto a request", () => {
    expect(
      expandPorts("p-web-1", [
        { target: 80, published: "8080", protocol: "tcp" },
        { target: 53, published: "5353", host_ip: "127.0.0.1", protocol: "udp" },
        { target: 9000, protocol: "tcp" },
        { target: 3000, published: "3000-3002", host_ip: "[::1]", protocol: "tcp" },
      ]),
    ).toEqual([
      { proto: "tcp", hostIp: "0.0.0.0", candidates: [8080], childPort: 80 },
      { proto: "udp", hostIp: "127.0.0.1", candidates: [5353], childPort: 53 },
      { proto: "tcp", hostIp: "0.0.0.0", candidates: [], childPort: 9000 },
      { proto: "tcp", hostIp: "::1", candidates: [3000, 3001, 3002], childPort: 3000 },
    ]);
  });

  test.each([
    ["a reversed range", "9000-8000"],
    ["port zero in a range", "0-10"],
    ["a port above 65535", "70000"],
    ["text", "http"],
  ])("rejects %s", (_what, published) => {
    expect(() => expandPorts("p-web-1", [{ target: 80, published, protocol: "tcp" }])).toThrow(`container "p-web-1": invalid published port "${published}"`);
  });

  test("rejects sctp, which rootlesskit cannot forward", () => {
    expect(() => expandPorts("p-web-1", [{ target: 80, protocol: "sctp" }])).toThrow(`container "p-web-1": sctp port 80 cannot be published rootless`);
  });
});

describe("findConflict", () => {
  const known = [{ owner: "p-api-1", hostIp: "127.0.0.1", hostPort: 8080, proto: "tcp" as const }];
  test.each([
    ["the same address", "127.0.0.1", 8080, "tcp", true],
    ["the wildcard address", "0.0.0.0", 8080, "tcp", true],
    ["another address", "127.0.0.2", 8080, "tcp", false],
    ["another protocol", "127.0.0.1", 8080, "udp", false],
    ["another port", "127.0.0.1", 8081, "tcp", false],
  ])("on %s: %p", (_what, ip, port, proto, conflict) => {
    expect(findConflict(ip as string, port as number, proto as PortProto, known) !== undefined).toBe(conflict as boolean);
  });
});

describe("resolvePortSpecs", () => {
  const web = (ports: Parameters<typeof expandPorts>[1]) => expandPorts("p-web-1", ports);

  test("builds rootlesskit specs with the container address as childIP", async () => {
    const specs = await resolvePortSpecs("p-web-1", web([{ target: 80, published: "8080", protocol: "tcp" }, { target: 53, published: "5353", protocol: "udp" }]), "10.89.0.2", { known: [], probe: fakeHost() });
    expect(specs).toEqual([
      { protocol: "tcp", hostIp: "0.0.0.0", hostPort: 8080, childIp: "10.89.0.2", childPort: 80 },
      { protocol: "udp", hostIp: "0.0.0.0", hostPort: 5353, childIp: "10.89.0.2", childPort: 53 },
    ]);
  });

  test("picks an ephemeral host port that kitten has not handed out", async () => {
    const probe = fakeHost();
    const specs = await resolvePortSpecs("p-web-1", web([{ target: 80, protocol: "tcp" }]), "10.89.0.2", {
      known: [{ owner: "p-api-1", hostIp: "0.0.0.0", hostPort: 40000, proto: "tcp" }],
      probe,
    });
    expect(specs[0]!.hostPort).toBe(40001);
  });

  test("takes the first free port of a range", async () => {
    const specs = await resolvePortSpecs("p-web-1", web([{ target: 80, published: "8000-8003", protocol: "tcp" }]), "10.89.0.2", {
      known: [{ owner: "p-api-1", hostIp: "0.0.0.0", hostPort: 8000, proto: "tcp" }],
      probe: fakeHost([["0.0.0.0", 8000, "tcp"], ["0.0.0.0", 8001, "tcp"]]),
    });
    expect(specs[0]!.hostPort).toBe(8002);
  });

  test("names the kitten container that holds a port", async () => {
    const run = resolvePortSpecs("p-web-1", web([{ target: 80, published: "8080", host_ip: "127.0.0.1", protocol: "tcp" }]), "10.89.0.2", {
      known: [{ owner: "p-api-1", hostIp: "0.0.0.0", hostPort: 8080, proto: "tcp" }],
      probe: fakeHost([["0.0.0.0", 8080, "tcp"]]),
    });
    await expect(run).rejects.toThrow(`container "p-web-1": port 127.0.0.1:8080/tcp is already published by "p-api-1"`);
  });

  test("takes a port kitten's state lists when the host has it free (a stale record)", async () => {
    const specs = await resolvePortSpecs("p-web-1", web([{ target: 80, published: "8080", protocol: "tcp" }]), "10.89.0.2", {
      known: [{ owner: "p-old-1", hostIp: "0.0.0.0", hostPort: 8080, proto: "tcp" }],
      probe: fakeHost(),
    });
    expect(specs[0]!.hostPort).toBe(8080);
  });

  test("says when something outside kitten holds a port", async () => {
    const run = resolvePortSpecs("p-web-1", web([{ target: 80, published: "8080", protocol: "udp" }]), "10.89.0.2", { known: [], probe: fakeHost([["0.0.0.0", 8080, "udp"]]) });
    await expect(run).rejects.toThrow(`container "p-web-1": port 0.0.0.0:8080/udp is already in use on the host`);
  });

  test("refuses the same host port twice in one container", async () => {
    const run = resolvePortSpecs("p-web-1", web([{ target: 80, published: "8080", protocol: "tcp" }, { target: 81, published: "8080", protocol: "tcp" }]), "10.89.0.2", { known: [], probe: fakeHost() });
    await expect(run).rejects.toThrow(`container "p-web-1": port 0.0.0.0:8080/tcp is published twice by this container`);
  });

  test("reports a full range with the first reason", async () => {
    const run = resolvePortSpecs("p-web-1", web([{ target: 80, published: "8000-8001", protocol: "tcp" }]), "10.89.0.2", {
      known: [],
      probe: fakeHost([["0.0.0.0", 8000, "tcp"], ["0.0.0.0", 8001, "tcp"]]),
    });
    await expect(run).rejects.toThrow(`container "p-web-1": port 0.0.0.0:8000-8001/tcp has no free port (first: is already in use on the host)`);
  });

  test("hints at the sysctl for a privileged port", async () => {
    const run = resolvePortSpecs("p-web-1", web([{ target: 80, published: "80", protocol: "tcp" }]), "10.89.0.2", { known: [], probe: fakeHost([], true) });
    await expect(run).rejects.toMatchObject({ message: `container "p-web-1": port 0.0.0.0:80/tcp needs privileges to bind`, hint: expect.stringContaining("ip_unprivileged_port_start") });
  });
});
