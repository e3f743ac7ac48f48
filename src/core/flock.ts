/**
 * flock(2) through bun:ffi — Bun has no flock. The kernel drops a flock when its holder dies, so
 * a crashed kitten never leaves a stale lock behind. Used by the image store's lock and the
 * per-project lock.
 */
import { dlopen, FFIType } from "bun:ffi";

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

let libc: { symbols: { flock: (fd: number, op: number) => number } } | undefined;

/** flock(fd, op): 0 on success, -1 when the lock is held elsewhere (with LOCK_NB) or on error. */
export function flock(fd: number, op: number): number {
  libc ??= dlopen("libc.so.6", { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
  return libc.symbols.flock(fd, op);
}
