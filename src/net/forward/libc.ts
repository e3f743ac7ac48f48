/**
 * The few libc calls kitten's port forwarder needs and Bun has no API for: raw sockets whose
 * descriptors can be handed to another process, splice(2) between a socket and a pipe (the
 * bytes never enter user space), poll(2) and pidfd_open(2). Loaded on first use, so nothing
 * that merely imports this module touches bun:ffi.
 */
import { dlopen, FFIType, ptr, read } from "bun:ffi";

const { i32, i64, u32, u64, ptr: P } = FFIType;

function load() {
  return dlopen("libc.so.6", {
    socket: { args: [i32, i32, i32], returns: i32 },
    setsockopt: { args: [i32, i32, i32, P, u32], returns: i32 },
    getsockopt: { args: [i32, i32, i32, P, P], returns: i32 },
    bind: { args: [i32, P, u32], returns: i32 },
    listen: { args: [i32, i32], returns: i32 },
    getsockname: { args: [i32, P, P], returns: i32 },
    accept4: { args: [i32, P, P, i32], returns: i32 },
    connect: { args: [i32, P, u32], returns: i32 },
    shutdown: { args: [i32, i32], returns: i32 },
    close: { args: [i32], returns: i32 },
    fcntl: { args: [i32, i32, i32], returns: i32 },
    pipe2: { args: [P, i32], returns: i32 },
    splice: { args: [i32, P, i32, P, u64, u32], returns: i64 },
    poll: { args: [P, u64, i32], returns: i32 },
    pidfd_open: { args: [i32, u32], returns: i32 },
    __errno_location: { args: [], returns: P },
  }).symbols;
}

let symbols: ReturnType<typeof load> | undefined;

/** The bound libc functions (dlopen on first call). */
export function libc(): ReturnType<typeof load> {
  return (symbols ??= load());
}

/** errno of the last failed call on this thread. */
export function errno(): number {
  return read.i32(libc().__errno_location()!, 0);
}

export { ptr };

export const E = { INTR: 4, AGAIN: 11, ACCES: 13, NFILE: 23, MFILE: 24, ADDRINUSE: 98, ADDRNOTAVAIL: 99, INPROGRESS: 115 } as const;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_ERROR = 4;
export const IPPROTO_IPV6 = 41;
export const IPV6_V6ONLY = 26;
export const F_SETFL = 4;
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;
export const SHUT_WR = 1;
export const SPLICE_F_MOVE = 1;
export const SPLICE_F_NONBLOCK = 2;
export const POLLIN = 1;
export const POLLOUT = 4;
export const POLLERR = 8;
export const POLLHUP = 16;
