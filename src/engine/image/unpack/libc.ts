/**
 * The few syscalls node:fs lacks, through bun:ffi on glibc: mknod (whiteouts, fifos, devices)
 * and lsetxattr/lgetxattr (overlay opaque markers, layer xattrs). Runs inside the unpacker's user namespace.
 */
import { dlopen, FFIType, ptr, read } from "bun:ffi";

let lib: ReturnType<typeof load> | undefined;

function load() {
  return dlopen("libc.so.6", {
    mknod: { args: [FFIType.ptr, FFIType.u32, FFIType.u64], returns: FFIType.i32 },
    lsetxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    lgetxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    __errno_location: { args: [], returns: FFIType.ptr },
    prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    getppid: { args: [], returns: FFIType.i32 },
  });
}

const cstring = (s: string) => Buffer.from(`${s}\0`);

export class SyscallError extends Error {
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly path: string,
  ) {
    super(`${syscall} ${path}: errno ${errno}`);
  }
}

export const EPERM = 1;
export const EEXIST = 17;

function errno(): number {
  const p = lib!.symbols.__errno_location();
  return p ? read.i32(p, 0) : 0;
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  lib ??= load();
  // glibc's makedev for the common (< 4096 major, < 256 minor) case, extended per sysmacros.h
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  const buf = cstring(path);
  if (lib.symbols.mknod(ptr(buf), mode, dev) !== 0) throw new SyscallError("mknod", errno(), path);
}

export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  lib ??= load();
  const p = cstring(path);
  const n = cstring(name);
  const v = value.length > 0 ? Buffer.from(value) : Buffer.alloc(1);
  if (lib.symbols.lsetxattr(ptr(p), ptr(n), ptr(v), BigInt(value.length), 0) !== 0) throw new SyscallError("lsetxattr", errno(), path);
}

/** The value of an xattr, or undefined when the file does not have it. */
export function lgetxattr(path: string, name: string): Uint8Array | undefined {
  lib ??= load();
  const buf = Buffer.alloc(4096);
  const n = Number(lib.symbols.lgetxattr(ptr(cstring(path)), ptr(cstring(name)), ptr(buf), BigInt(buf.length)));
  if (n < 0) return undefined;
  return new Uint8Array(buf.subarray(0, n));
}

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/**
 * Makes this process die when its parent (the kitten that started the unpacker) dies, so a
 * killed pull leaves no unpacker behind; exits now if the parent is already gone.
 */
export function dieWithParent(expectedParent: number): void {
  lib ??= load();
  lib.symbols.prctl(PR_SET_PDEATHSIG, BigInt(SIGKILL), 0n, 0n, 0n);
  if (lib.symbols.getppid() !== expectedParent) process.exit(1);
}
