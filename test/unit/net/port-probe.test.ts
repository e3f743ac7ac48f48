import { expect, test } from "bun:test";
import { hostPortProbe, planPublishedPorts } from "../../../src/net/port-probe.ts";

test("finds a port held on the host and names it", async () => {
  const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    expect(await hostPortProbe.check("127.0.0.1", holder.port, "tcp")).toBe("is already in use on the host");
    const run = planPublishedPorts("p-web-1", [{ target: 80, published: String(holder.port), host_ip: "127.0.0.1", protocol: "tcp" }], "10.89.0.2", []);
    await expect(run).rejects.toThrow(`container "p-web-1": port 127.0.0.1:${holder.port}/tcp is already in use on the host`);
  } finally {
    holder.stop(true);
  }
});

test("hands out free ephemeral tcp and udp ports and omits childIp for host mode", async () => {
  const specs = await planPublishedPorts("p-web-1", [{ target: 80, host_ip: "127.0.0.1", protocol: "tcp" }, { target: 53, host_ip: "127.0.0.1", protocol: "udp" }], undefined, []);
  expect(specs.map((s) => [s.protocol, s.childPort, "childIp" in s])).toEqual([["tcp", 80, false], ["udp", 53, false]]);
  for (const s of specs) {
    expect(s.hostPort).toBeGreaterThan(1023);
    expect(await hostPortProbe.check("127.0.0.1", s.hostPort, s.protocol)).toBeUndefined();
  }
});
