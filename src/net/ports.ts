/**
 * Publishing container ports on the host through the namespace's own port driver, without DNAT
 * rules: rootlesskit's builtin driver through its REST API (which, unlike the rootlessctl 1.1
 * CLI, accepts a `childIP`: the address inside the namespace to dial, e.g. a container's bridge
 * IP), or slirp4netns' `add_hostfwd` API for the hand-rolled namespace (rootless-spike.md §1b,
 * §3b). Used for UDP, and for TCP only with KITTEN_PORT_FORWARDER=rootlesskit: TCP goes through
 * kitten's own forwarder (./forward/).
 */
import { InvalidInputError, RuntimeFailure, errorText } from "../core/errors.ts";
import { SLIRP } from "./namespace/types.ts";

export interface PortSpec {
  protocol: "tcp" | "udp";
  hostIp: string;
  hostPort: number;
  /** address inside the namespace; default the namespace's own loopback */
  childIp?: string;
  childPort: number;
}

export interface PortDriver {
  add(port: PortSpec): Promise<number>;
  remove(id: number): Promise<void>;
}

/** rootlesskit REST API v1 over its unix socket (api.sock in the state dir). */
export function rootlesskitPorts(apiSocket: string): PortDriver {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`http://rootlesskit${path}`, {
        unix: apiSocket,
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new RuntimeFailure(`port driver unreachable: ${errorText(err)}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text.trim();
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {}
      throw new RuntimeFailure(message || `rootlesskit api ${method} ${path}: http ${res.status}`);
    }
    return text ? JSON.parse(text) : {};
  };
  return {
    async add(p) {
      const body = {
        proto: p.protocol,
        parentIP: p.hostIp,
        parentPort: p.hostPort,
        childPort: p.childPort,
        ...(p.childIp ? { childIP: p.childIp } : {}),
      };
      const out = (await call("POST", "/v1/ports", body)) as { id?: number };
      if (typeof out.id !== "number") throw new RuntimeFailure("rootlesskit api: no port id in the answer");
      return out.id;
    },
    async remove(id) {
      await call("DELETE", `/v1/ports/${id}`);
    },
  };
}

/** slirp4netns' JSON API (one request per connection); guest side is the namespace's tap0. */
export function slirpPorts(apiSocket: string): PortDriver {
  const call = async (request: unknown): Promise<Record<string, unknown>> => {
    const reply = await new Promise<string>((resolve, reject) => {
      let data = "";
      const timer = setTimeout(() => reject(new Error("timeout")), 10_000);
      Bun.connect({
        unix: apiSocket,
        socket: {
          open(s) {
            s.write(JSON.stringify(request));
            s.shutdown();
          },
          data(_s, chunk) {
            data += chunk.toString();
          },
          close() {
            clearTimeout(timer);
            resolve(data);
          },
          error(_s, err) {
            clearTimeout(timer);
            reject(err);
          },
        },
      }).catch(reject);
    }).catch((err) => {
      throw new RuntimeFailure(`slirp4netns api unreachable: ${errorText(err)}`);
    });
    const out = JSON.parse(reply || "{}") as Record<string, unknown>;
    if (out.error) throw new RuntimeFailure(`slirp4netns: ${JSON.stringify((out.error as { desc?: string }).desc ?? out.error)}`);
    return out;
  };
  return {
    async add(p) {
      if (p.protocol !== "tcp" && p.protocol !== "udp") throw new RuntimeFailure(`slirp4netns cannot forward ${p.protocol}`);
      const out = await call({
        execute: "add_hostfwd",
        arguments: { proto: p.protocol, host_addr: p.hostIp, host_port: p.hostPort, guest_addr: SLIRP.guest, guest_port: p.childPort },
      });
      const id = (out.return as { id?: number } | undefined)?.id;
      if (typeof id !== "number") throw new RuntimeFailure("slirp4netns: no forward id in the answer");
      return id;
    },
    async remove(id) {
      await call({ execute: "remove_hostfwd", arguments: { id } });
    },
  };
}

/** A free host port for an ephemeral publish (`-p 80`), as docker picks one. */
export function freeHostPort(hostIp: string, protocol: "tcp" | "udp"): number {
  // Bun has no synchronous UDP bind: a free TCP port number is a fair guess for udp too
  void protocol;
  const server = Bun.listen({ hostname: hostIp, port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/** `[ip:][hostPort:]containerPort[/proto]` (docker run -p); ranges are not supported. */
export function parsePublish(text: string): { hostIp: string; hostPort?: number; containerPort: number; protocol: "tcp" | "udp" } {
  const [addr = "", proto = "tcp"] = text.split("/", 2);
  if (proto !== "tcp" && proto !== "udp") throw new InvalidInputError(`port "${text}": protocol must be tcp or udp`);
  const parts = addr.startsWith("[") ? splitV6(addr) : addr.split(":");
  const num = (s: string | undefined) => {
    if (s === undefined || s === "") return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidInputError(`port "${text}": "${s}" is not a port number`);
    return n;
  };
  if (parts.length === 1) return { hostIp: "0.0.0.0", containerPort: num(parts[0])!, protocol: proto };
  if (parts.length === 2) return { hostIp: "0.0.0.0", hostPort: num(parts[0]), containerPort: num(parts[1])!, protocol: proto };
  if (parts.length === 3) return { hostIp: parts[0] || "0.0.0.0", hostPort: num(parts[1]), containerPort: num(parts[2])!, protocol: proto };
  throw new InvalidInputError(`port "${text}": expected [ip:][hostPort:]containerPort[/protocol]`);
}

function splitV6(addr: string): string[] {
  const end = addr.indexOf("]");
  return [addr.slice(1, end), ...addr.slice(end + 2).split(":")];
}
