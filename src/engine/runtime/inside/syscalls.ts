/**
 * mount(2) and umount2(2) through bun:ffi, to spare the hot path a process spawn per call
 * (create and delete each mount and unmount once). When libc cannot be loaded or a call fails,
 * the caller falls back to mount(8)/umount(8), which also give a readable error message.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

type Libc = {
  mount(source: string, target: string, fstype: string, flags: number, data: string): boolean;
  umount2(target: string, flags: number): boolean;
};

export const MNT_DETACH = 2;

let libc: Libc | null | undefined;

export function fastSyscalls(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    const lib = dlopen("libc.so.6", {
      mount: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
      umount2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    });
    const c = (s: string) => Buffer.from(`${s}\0`);
    libc = {
      mount(source, target, fstype, flags, data) {
        const [a, b, d, e] = [c(source), c(target), c(fstype), c(data)];
        return lib.symbols.mount(ptr(a), ptr(b), ptr(d), BigInt(flags), ptr(e)) === 0;
      },
      umount2(target, flags) {
        const t = c(target);
        return lib.symbols.umount2(ptr(t), flags) === 0;
      },
    };
  } catch {
    libc = null;
  }
  return libc;
}
