/**
 * The published-port forwarder's event loop (the `kitten __portfwd` role). It runs in the
 * namespace's network stack, holding listening sockets that were bound on the host and handed
 * down as inherited descriptors. For every accepted connection it dials the container inside the
 * namespace and moves the bytes with splice(2) through a pipe, so they are never copied into
 * user space — the job rootlesskit's builtin driver does with Go's io.Copy, in one poll(2) loop
 * without a runtime scheduler between the kernel and the bytes (docs/benchmarks.md, bench/net).
 */
import { existsSync } from "node:fs";
import { E, F_GETPIPE_SZ, F_SETFL, F_SETPIPE_SZ, O_CLOEXEC, O_NONBLOCK, POLLIN, POLLOUT, SHUT_WR, SO_ERROR, SOCK_CLOEXEC, SOCK_NONBLOCK, SOL_SOCKET, SPLICE_F_MOVE, SPLICE_F_NONBLOCK, errno, libc, ptr } from "./libc.ts";
import { connectNonBlocking } from "./sockets.ts";

export interface ForwardTarget {
  /** listening socket on the host (an inherited descriptor) */
  fd: number;
  /** address to dial inside the namespace */
  childIp: string;
  childPort: number;
}

export interface ForwarderConfig {
  listeners: ForwardTarget[];
  /** stop once this file exists: the container's exit file, written when it exits */
  exitFile?: string;
  /** stop once this directory is gone: the container was removed */
  containerDir?: string;
  /** stop when this host process ends: the namespace's init */
  watchPid?: number;
}

/** Bytes a pipe may hold; 1 MiB is the unprivileged maximum (fs.pipe-max-size). */
const PIPE_BYTES = 1 << 20;
const CONNECT_TIMEOUT_MS = 10_000;
const CHECK_EVERY_MS = 250;

interface Direction {
  src: number;
  dst: number;
  pipeRead: number;
  pipeWrite: number;
  capacity: number;
  buffered: number;
  eof: boolean;
  shut: boolean;
}

interface Connection {
  client: number;
  upstream: number;
  /** set while the dial is in progress */
  connectDeadline?: number;
  up?: Direction;
  down?: Direction;
}

export function runForwarder(config: ForwarderConfig): void {
  const c = libc();
  for (const l of config.listeners) c.fcntl(l.fd, F_SETFL, O_NONBLOCK);
  const pidfd = config.watchPid ? c.pidfd_open(config.watchPid, 0) : -1;
  if (config.watchPid && pidfd < 0) return; // the namespace is already gone
  const conns = new Set<Connection>();
  let pollBuf = new Uint8Array(64 * 8);
  let nextCheck = 0;

  for (;;) {
    const now = performance.now();
    if (now >= nextCheck) {
      if (stopRequested(config)) break;
      nextCheck = now + CHECK_EVERY_MS;
    }
    // the poll set: [pidfd], listeners, then both sockets of every connection
    const slots: Array<Connection | ForwardTarget | null> = [];
    const entries: Array<[number, number]> = [];
    if (pidfd >= 0) {
      entries.push([pidfd, POLLIN]);
      slots.push(null);
    }
    for (const l of config.listeners) {
      entries.push([l.fd, POLLIN]);
      slots.push(l);
    }
    for (const conn of conns) {
      if (conn.connectDeadline !== undefined) {
        if (now > conn.connectDeadline) {
          closeConnection(conn);
          conns.delete(conn);
          continue;
        }
        entries.push([conn.upstream, POLLOUT]);
        slots.push(conn);
        continue;
      }
      entries.push([conn.client, wants(conn.up!, conn.down!)]);
      entries.push([conn.upstream, wants(conn.down!, conn.up!)]);
      slots.push(conn, conn);
    }
    if (pollBuf.length < entries.length * 8) pollBuf = new Uint8Array(entries.length * 16);
    const view = new DataView(pollBuf.buffer);
    entries.forEach(([fd, events], i) => {
      view.setInt32(i * 8, fd, true);
      view.setInt16(i * 8 + 4, events, true);
      view.setInt16(i * 8 + 6, 0, true);
    });
    const ready = c.poll(ptr(pollBuf), entries.length, CHECK_EVERY_MS);
    if (ready < 0 && errno() !== E.INTR) throw new Error(`poll: errno ${errno()}`);
    if (ready <= 0) continue;

    const touched = new Set<Connection>();
    for (let i = 0; i < entries.length; i++) {
      if (view.getInt16(i * 8 + 6, true) === 0) continue;
      const slot = slots[i];
      if (slot === null) return closeAll(conns); // the namespace ended
      if (slot === undefined) continue;
      if ("childIp" in slot) acceptAll(slot, conns);
      else touched.add(slot);
    }
    for (const conn of touched) {
      if (conn.connectDeadline !== undefined && !finishConnect(conn)) {
        closeConnection(conn);
        conns.delete(conn);
        continue;
      }
      if (!conn.up || !conn.down) continue;
      const ok = pump(conn.up) && pump(conn.down);
      if (!ok || (conn.up.shut && conn.down.shut)) {
        closeConnection(conn);
        conns.delete(conn);
      }
    }
  }
  closeAll(conns);
}

function stopRequested(config: ForwarderConfig): boolean {
  if (config.exitFile && existsSync(config.exitFile)) return true;
  if (config.containerDir && !existsSync(config.containerDir)) return true;
  return false;
}

/** poll events for a socket that is the source of `from` and the destination of `to`. */
function wants(from: Direction, to: Direction): number {
  return (!from.eof && from.buffered < from.capacity ? POLLIN : 0) | (to.buffered > 0 ? POLLOUT : 0);
}

function acceptAll(target: ForwardTarget, conns: Set<Connection>): void {
  const c = libc();
  for (;;) {
    const client = c.accept4(target.fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) return; // EAGAIN: accepted everything pending (or a transient error)
    const upstream = connectNonBlocking(target.childIp, target.childPort);
    if (upstream < 0) {
      c.close(client);
      continue;
    }
    conns.add({ client, upstream, connectDeadline: performance.now() + CONNECT_TIMEOUT_MS });
  }
}

/** The dial finished: true when it connected and the pipes are set up. */
function finishConnect(conn: Connection): boolean {
  const c = libc();
  const err = new Int32Array(1);
  const len = new Uint32Array([4]);
  if (c.getsockopt(conn.upstream, SOL_SOCKET, SO_ERROR, ptr(err), ptr(len)) !== 0 || err[0] !== 0) return false;
  const up = direction(conn.client, conn.upstream);
  const down = up && direction(conn.upstream, conn.client);
  if (!up || !down) {
    if (up) closePipe(up);
    return false;
  }
  conn.up = up;
  conn.down = down;
  conn.connectDeadline = undefined;
  return true;
}

function direction(src: number, dst: number): Direction | undefined {
  const c = libc();
  const fds = new Int32Array(2);
  if (c.pipe2(ptr(fds), O_NONBLOCK | O_CLOEXEC) !== 0) return undefined;
  // larger pipes mean fewer splice calls; past the per-user pipe budget the kernel refuses and
  // the default (64 KiB) stays
  c.fcntl(fds[1]!, F_SETPIPE_SZ, PIPE_BYTES);
  const capacity = c.fcntl(fds[1]!, F_GETPIPE_SZ, 0);
  return { src, dst, pipeRead: fds[0]!, pipeWrite: fds[1]!, capacity: capacity > 0 ? capacity : 65536, buffered: 0, eof: false, shut: false };
}

/**
 * Moves what can move now: socket → pipe → socket, until both would block. False when the
 * connection broke (reset, or a write to a closed peer); a clean end of input half-closes the
 * destination, as a TCP proxy should.
 */
function pump(d: Direction): boolean {
  const c = libc();
  const flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
  for (;;) {
    let moved = false;
    if (!d.eof && d.buffered < d.capacity) {
      const n = Number(c.splice(d.src, null, d.pipeWrite, null, d.capacity - d.buffered, flags));
      if (n > 0) {
        d.buffered += n;
        moved = true;
      } else if (n === 0) d.eof = true;
      else if (!retryable(errno())) return false;
    }
    if (d.buffered > 0) {
      const n = Number(c.splice(d.pipeRead, null, d.dst, null, d.buffered, flags));
      if (n > 0) {
        d.buffered -= n;
        moved = true;
      } else if (n < 0 && !retryable(errno())) return false;
    }
    if (d.eof && d.buffered === 0 && !d.shut) {
      c.shutdown(d.dst, SHUT_WR);
      d.shut = true;
    }
    if (!moved) return true;
  }
}

function retryable(code: number): boolean {
  return code === E.AGAIN || code === E.INTR;
}

function closePipe(d: Direction): void {
  libc().close(d.pipeRead);
  libc().close(d.pipeWrite);
}

function closeConnection(conn: Connection): void {
  const c = libc();
  for (const d of [conn.up, conn.down]) if (d) closePipe(d);
  c.close(conn.client);
  c.close(conn.upstream);
}

function closeAll(conns: Set<Connection>): void {
  for (const conn of conns) closeConnection(conn);
  conns.clear();
}
