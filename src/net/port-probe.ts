/**
 * Host-side port checks for ./port-specs.ts: whether a host port is free, and an ephemeral one
 * (bind :0, read the port, release it — rootlesskit 1.1 cannot pick one itself). Runs on the
 * HOST, where rootlesskit's parent listens. The window between release and rootlesskit's bind
 * is tiny; a lost race surfaces as rootlesskit's own "address already in use".
 */
import { expandPorts, resolvePortSpecs, type PortInput, type PortProbe, type PortProto, type PortSpec, type PublishedPort } from "./port-specs.ts";

function describe(err: unknown): string {
  const code = (err as { code?: string }).code ?? "";
  const msg = err instanceof Error ? err.message : String(err);
  if (code === "EADDRINUSE" || /in use/i.test(msg)) return "is already in use on the host";
  if (code === "EACCES" || /permission|access/i.test(msg)) return "needs privileges to bind";
  if (code === "EADDRNOTAVAIL" || /not available|assign/i.test(msg)) return "is on an address this host does not have";
  return `cannot be bound: ${msg}`;
}

async function bindOnce(hostIp: string, port: number, proto: PortProto): Promise<number> {
  if (proto === "udp") {
    const sock = await Bun.udpSocket({ hostname: hostIp, port });
    const bound = sock.port;
    sock.close();
    return bound;
  }
  const server = Bun.listen({ hostname: hostIp, port, exclusive: true, socket: { data() {} } });
  const bound = server.port;
  server.stop(true);
  return bound;
}

export const hostPortProbe: PortProbe = {
  async check(hostIp, port, proto) {
    try {
      await bindOnce(hostIp, port, proto);
      return undefined;
    } catch (err) {
      return describe(err);
    }
  },
  async ephemeral(hostIp, proto) {
    return bindOnce(hostIp, 0, proto);
  },
};

/**
 * The host ports of a container's published ports, ready for the port driver: every compose
 * form (ranges, udp, host ip, ephemeral), checked against the ports other kitten containers
 * hold (`known`, from state — named in the error) and against the host itself.
 */
export function planPublishedPorts(container: string, ports: PortInput[], childIp: string | undefined, known: PublishedPort[]): Promise<PortSpec[]> {
  return resolvePortSpecs(container, expandPorts(container, ports), childIp, { known, probe: hostPortProbe });
}
