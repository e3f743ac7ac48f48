/**
 * The published-port forwarder's event loop (the `kitten __portfwd` role). It runs in the
 * namespace's network stack, holding listening sockets that were bound on the host and handed
 * down as inherited descriptors. For every accepted connection it dials the container inside the
 * namespace and moves the bytes with splice(2) through a pipe, so they are never copied into
 * user space — the job rootlesskit's builtin driver does with Go's io.Copy, in one poll(2) loop
 * without a runtime scheduler between the kernel and the bytes (docs/benchmarks.md, bench/net).
 */
import { existsSync } from "node:fs";
import { E, F_GETPIPE_SZ, F_SETFL, F_SETPIPE_SZ, O_CLOEXEC, O_NONBLOCK, POLLERR, POLLHUP, POLLIN, POLLOUT, SHUT_WR, SO_ERROR, SOCK_CLOEXEC, SOCK_NONBLOCK, SOL_SOCKET, SPLICE_F_MOVE, SPLICE_F_NONBLOCK, errno, libc, ptr } from "./libc.ts";
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
  /**
   * stop once this file exists: written when the container's ports are released (it stopped, or
   * exited and will not be restarted). Not its exit file: a container restarted by its policy
   * keeps its forwarder, and with it its host ports, across the restart.
   */
  releaseFile?: string;
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
  /** poll results of this round: readable / writable, per socket; an error (reset) on either */
  broken: boolean;
  clientIn: boolean;
  clientOut: boolean;
  upstreamIn: boolean;
  upstreamOut: boolean;
  round: number;
}

/** What a poll slot stands for. */
type Slot = { kind: "namespace" } | { kind: "listener"; target: ForwardTarget } | { kind: "client" | "upstream"; conn: Connection };

const READY_IN = POLLIN | POLLERR | POLLHUP;
const READY_OUT = POLLOUT | POLLERR | POLLHUP;

/** Runs until a stop condition; `onReady` once it is set up and about to serve. */
export function runForwarder(config: ForwarderConfig, onReady: () => void = () => {}): void {
  const c = libc();
  for (const l of config.listeners) c.fcntl(l.fd, F_SETFL, O_NONBLOCK);
  const pidfd = config.watchPid ? c.pidfd_open(config.watchPid, 0) : -1;
  if (config.watchPid && pidfd < 0) return; // the namespace is already gone
  onReady();
  // out of descriptors, a pending connection cannot be taken: listeners rest for a moment
  // instead of waking poll(2) in a loop
  let acceptAfter = 0;
  const conns = new Set<Connection>();
  // the poll set, rebuilt only when connections come or go: [pidfd], listeners, two per connection
  let slots: Slot[] = [];
  let pollBuf = new Uint8Array(8);
  let view = new DataView(pollBuf.buffer);
  let dirty = true;
  let nextCheck = 0;
  let round = 0;
  const ready: Connection[] = [];

  for (;;) {
    const now = performance.now();
    if (now >= nextCheck) {
      if (stopRequested(config)) break;
      for (const conn of conns) {
        if (conn.connectDeadline !== undefined && now > conn.connectDeadline) {
          closeConnection(conn);
          conns.delete(conn);
          dirty = true;
        }
      }
      nextCheck = now + CHECK_EVERY_MS;
    }
    if (dirty) {
      slots = [];
      if (pidfd >= 0) slots.push({ kind: "namespace" });
      for (const target of config.listeners) slots.push({ kind: "listener", target });
      for (const conn of conns) slots.push({ kind: "client", conn }, { kind: "upstream", conn });
      if (pollBuf.length < slots.length * 8) {
        pollBuf = new Uint8Array(slots.length * 16);
        view = new DataView(pollBuf.buffer);
      }
      slots.forEach((slot, i) => view.setInt32(i * 8, slotFd(slot, pidfd), true));
      dirty = false;
    }
    const accepting = now >= acceptAfter;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      view.setInt16(i * 8 + 4, slot.kind === "listener" && !accepting ? 0 : slotEvents(slot), true);
      view.setInt16(i * 8 + 6, 0, true);
    }
    const n = c.poll(ptr(pollBuf), slots.length, CHECK_EVERY_MS);
    if (n < 0 && errno() !== E.INTR) throw new Error(`poll: errno ${errno()}`);
    if (n <= 0) continue;

    round++;
    ready.length = 0;
    for (let i = 0; i < slots.length; i++) {
      const revents = view.getInt16(i * 8 + 6, true);
      if (revents === 0) continue;
      const slot = slots[i]!;
      if (slot.kind === "namespace") return closeAll(conns); // the namespace ended
      if (slot.kind === "listener") {
        const taken = acceptAll(slot.target, conns);
        if (taken.any) dirty = true;
        if (taken.outOfFds) acceptAfter = performance.now() + 100;
        continue;
      }
      const conn = slot.conn;
      if (conn.round !== round) {
        conn.round = round;
        conn.broken = conn.clientIn = conn.clientOut = conn.upstreamIn = conn.upstreamOut = false;
        ready.push(conn);
      }
      if ((revents & POLLERR) !== 0 && conn.connectDeadline === undefined) conn.broken = true;
      if (slot.kind === "client") {
        conn.clientIn = (revents & READY_IN) !== 0;
        conn.clientOut = (revents & READY_OUT) !== 0;
      } else {
        conn.upstreamIn = (revents & READY_IN) !== 0;
        conn.upstreamOut = (revents & READY_OUT) !== 0;
      }
    }
    for (const conn of ready) {
      if (conn.connectDeadline !== undefined) {
        // while dialling only an error or hang-up can wake the client side: it gave up
        if (conn.clientIn) {
          closeConnection(conn);
          conns.delete(conn);
          dirty = true;
          continue;
        }
        if (!conn.upstreamOut) continue;
        if (!finishConnect(conn)) {
          closeConnection(conn);
          conns.delete(conn);
          dirty = true;
        }
        continue;
      }
      const up = conn.up!;
      const down = conn.down!;
      // only the directions something happened for: an idle direction costs no syscalls
      const ok =
        (!(conn.clientIn || conn.upstreamOut || up.buffered === up.capacity) || pump(up, conn.clientIn || up.buffered === up.capacity)) &&
        (!(conn.upstreamIn || conn.clientOut || down.buffered === down.capacity) || pump(down, conn.upstreamIn || down.buffered === down.capacity));
      // a reset socket: what it still had was moved above, the rest of the connection goes
      if (!ok || conn.broken || (up.shut && down.shut)) {
        closeConnection(conn);
        conns.delete(conn);
        dirty = true;
      }
    }
  }
  closeAll(conns);
}

function slotFd(slot: Slot, pidfd: number): number {
  if (slot.kind === "namespace") return pidfd;
  if (slot.kind === "listener") return slot.target.fd;
  return slot.kind === "client" ? slot.conn.client : slot.conn.upstream;
}

function slotEvents(slot: Slot): number {
  if (slot.kind === "namespace" || slot.kind === "listener") return POLLIN;
  const conn = slot.conn;
  if (conn.connectDeadline !== undefined) return slot.kind === "upstream" ? POLLOUT : 0;
  return slot.kind === "client" ? wants(conn.up!, conn.down!) : wants(conn.down!, conn.up!);
}

function stopRequested(config: ForwarderConfig): boolean {
  if (config.releaseFile && existsSync(config.releaseFile)) return true;
  if (config.containerDir && !existsSync(config.containerDir)) return true;
  return false;
}

/** poll events for a socket that is the source of `from` and the destination of `to`. */
function wants(from: Direction, to: Direction): number {
  return (!from.eof && from.buffered < from.capacity ? POLLIN : 0) | (to.buffered > 0 ? POLLOUT : 0);
}

/** Accepts every pending connection and starts its dial. */
function acceptAll(target: ForwardTarget, conns: Set<Connection>): { any: boolean; outOfFds: boolean } {
  const c = libc();
  let any = false;
  for (;;) {
    const client = c.accept4(target.fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) {
      // EAGAIN: accepted everything pending; EMFILE/ENFILE: the connection waits in the backlog
      const code = errno();
      return { any, outOfFds: code === E.MFILE || code === E.NFILE };
    }
    any = true;
    const upstream = connectNonBlocking(target.childIp, target.childPort);
    if (upstream < 0) {
      c.close(client);
      continue;
    }
    conns.add({ client, upstream, connectDeadline: performance.now() + CONNECT_TIMEOUT_MS, broken: false, clientIn: false, clientOut: false, upstreamIn: false, upstreamOut: false, round: 0 });
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
 * Moves what can move now: socket → pipe → socket, until both would block. `canRead` says the
 * source reported data (or the pipe was full, so nobody asked); the destination is always worth
 * a try. A short read means the socket is drained, so no extra splice just to hear EAGAIN. False
 * when the connection broke (reset, or a write to a closed peer); a clean end of input
 * half-closes the destination, as a TCP proxy should.
 */
function pump(d: Direction, canRead: boolean): boolean {
  const c = libc();
  const flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
  let read = canRead;
  let write = true;
  for (;;) {
    let moved = false;
    if (read && !d.eof && d.buffered < d.capacity) {
      const want = d.capacity - d.buffered;
      const n = Number(c.splice(d.src, null, d.pipeWrite, null, want, flags));
      if (n > 0) {
        d.buffered += n;
        moved = true;
        if (n < want) read = false;
      } else if (n === 0) d.eof = true;
      else if (retryable(errno())) read = false;
      else return false;
    }
    if (write && d.buffered > 0) {
      const n = Number(c.splice(d.pipeRead, null, d.dst, null, d.buffered, flags));
      if (n > 0) {
        d.buffered -= n;
        moved = true;
        if (d.buffered > 0) write = false; // the socket took less: it is full
      } else if (n < 0 && !retryable(errno())) return false;
      else write = false;
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
