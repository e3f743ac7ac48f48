/**
 * Raw TCP sockets for the port forwarder: socket addresses in C layout, a listening socket on
 * the host (its descriptor is inherited by the forwarder process) and a non-blocking connect.
 */
import { isIPv4, isIPv6 } from "node:net";
import { AF_INET, AF_INET6, E, IPPROTO_IPV6, IPV6_V6ONLY, SO_REUSEADDR, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM, SOL_SOCKET, errno, libc, ptr } from "./libc.ts";

/** A sockaddr_in or sockaddr_in6 for ip:port. */
export function sockaddr(ip: string, port: number): Uint8Array {
  if (isIPv4(ip)) {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint16(0, AF_INET, true);
    v.setUint16(2, port, false);
    b.set(ip.split(".").map(Number), 4);
    return b;
  }
  if (isIPv6(ip)) {
    const b = new Uint8Array(28);
    const v = new DataView(b.buffer);
    v.setUint16(0, AF_INET6, true);
    v.setUint16(2, port, false);
    b.set(ipv6Bytes(ip), 8);
    return b;
  }
  throw new Error(`"${ip}" is not an IP address`);
}

/** The port of a sockaddr_in / sockaddr_in6. */
export function sockaddrPort(addr: Uint8Array): number {
  return new DataView(addr.buffer, addr.byteOffset).getUint16(2, false);
}

function ipv6Bytes(ip: string): number[] {
  // an embedded dotted quad (::ffff:1.2.3.4) is the last two groups
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [head = "", rest] = text.split("::", 2);
  const h = head ? head.split(":") : [];
  const r = rest ? rest.split(":") : [];
  const fill = rest === undefined ? [] : Array<string>(8 - h.length - r.length).fill("0");
  return [...h, ...fill, ...r].map((g) => parseInt(g, 16)).flatMap((g) => [g >> 8, g & 0xff]);
}

export interface Listener {
  fd: number;
  port: number;
}

/**
 * A listening TCP socket on the host. Fails with the reason in words (in use, needs
 * privileges, not an address of this host), the way docker names a taken port.
 */
export function listenTcp(ip: string, port: number): Listener {
  const c = libc();
  const addr = sockaddr(ip, port);
  const v6 = addr.length === 28;
  const fd = c.socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket: errno ${errno()}`);
  try {
    const one = new Int32Array([1]);
    c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, ptr(one), 4);
    // "::" means IPv6 only here: 0.0.0.0 is published as its own listener
    if (v6) c.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, ptr(one), 4);
    if (c.bind(fd, ptr(addr), addr.length) !== 0) throw new Error(bindError(errno()));
    if (c.listen(fd, 4096) !== 0) throw new Error(bindError(errno()));
    const out = new Uint8Array(28);
    const len = new Uint32Array([28]);
    c.getsockname(fd, ptr(out), ptr(len));
    return { fd, port: sockaddrPort(out) };
  } catch (err) {
    c.close(fd);
    throw err;
  }
}

function bindError(code: number): string {
  if (code === E.ADDRINUSE) return "is already in use on the host";
  if (code === E.ACCES) return "needs privileges to bind (ports below net.ipv4.ip_unprivileged_port_start)";
  if (code === E.ADDRNOTAVAIL) return "is on an address this host does not have";
  return `cannot be bound (errno ${code})`;
}

/** Starts a non-blocking connect; the socket is writable once it completes (see SO_ERROR). */
export function connectNonBlocking(ip: string, port: number): number {
  const c = libc();
  const addr = sockaddr(ip, port);
  const fd = c.socket(addr.length === 28 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (c.connect(fd, ptr(addr), addr.length) !== 0 && errno() !== E.INPROGRESS) {
    c.close(fd);
    return -1;
  }
  return fd;
}
