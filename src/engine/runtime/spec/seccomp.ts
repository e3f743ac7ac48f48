/**
 * The default seccomp filter of a container: every syscall allowed except those docker's default
 * profile keeps from a container without the matching capability (docs.docker.com "Seccomp
 * security profiles": keyrings, kernel modules, reboot/kexec, clock setting, swap, mount and
 * namespace creation, BPF and perf, raw I/O ports, obsolete calls). Written as a deny list over
 * an allow-all default — not docker's allow list — so an unusual but harmless syscall keeps
 * working. ptrace and process_vm_* stay allowed, as docker allows them on kernels from 4.8.
 * `--security-opt seccomp=unconfined` leaves the filter out.
 */

export interface OciSeccomp {
  defaultAction: "SCMP_ACT_ALLOW";
  architectures: string[];
  syscalls: Array<{
    names: string[];
    action: "SCMP_ACT_ERRNO";
    errnoRet: number;
    args?: Array<{ index: number; value: number; valueTwo: number; op: "SCMP_CMP_MASKED_EQ" }>;
  }>;
}

const EPERM = 1;
const ENOSYS = 38;

/** Syscalls denied unless the container holds the capability (none: always denied). */
const DENIED: Array<[capability: string | undefined, names: string[]]> = [
  // the kernel keyring is not namespaced
  [undefined, ["add_key", "keyctl", "request_key"]],
  [undefined, ["_sysctl", "create_module", "get_kernel_syms", "query_module", "nfsservctl", "uselib", "ustat", "sysfs"]],
  ["CAP_SYS_MODULE", ["init_module", "finit_module", "delete_module"]],
  ["CAP_SYS_BOOT", ["reboot", "kexec_load", "kexec_file_load"]],
  ["CAP_SYS_TIME", ["settimeofday", "clock_settime", "clock_adjtime"]],
  ["CAP_SYS_PACCT", ["acct"]],
  ["CAP_SYS_RAWIO", ["iopl", "ioperm"]],
  ["CAP_DAC_READ_SEARCH", ["open_by_handle_at"]],
  ["CAP_SYS_ADMIN", ["mount", "umount2", "pivot_root", "swapon", "swapoff", "quotactl", "setns", "unshare", "bpf", "perf_event_open", "lookup_dcookie", "name_to_handle_at", "fanotify_init"]],
  ["CAP_SYS_PTRACE", ["userfaultfd"]],
];

/** clone(2) flags that make namespaces: denied without CAP_SYS_ADMIN, as unshare(2) is. */
const NAMESPACE_FLAGS = {
  CLONE_NEWNS: 0x00020000,
  CLONE_NEWCGROUP: 0x02000000,
  CLONE_NEWUTS: 0x04000000,
  CLONE_NEWIPC: 0x08000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
};

const ARCHITECTURES: Record<string, string[]> = {
  x64: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  arm64: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
};

export function defaultSeccomp(capabilities: string[], arch: string = process.arch): OciSeccomp {
  const has = new Set(capabilities);
  const names = DENIED.filter(([cap]) => !cap || !has.has(cap)).flatMap(([, list]) => list);
  const syscalls: OciSeccomp["syscalls"] = [{ names, action: "SCMP_ACT_ERRNO", errnoRet: EPERM }];
  if (!has.has("CAP_SYS_ADMIN")) {
    // one rule per flag: (flags & flag) == flag; rules for one syscall are alternatives
    for (const flag of Object.values(NAMESPACE_FLAGS)) {
      syscalls.push({ names: ["clone"], action: "SCMP_ACT_ERRNO", errnoRet: EPERM, args: [{ index: arch === "s390x" ? 1 : 0, value: flag, valueTwo: flag, op: "SCMP_CMP_MASKED_EQ" }] });
    }
    // clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone
    syscalls.push({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS });
  }
  return { defaultAction: "SCMP_ACT_ALLOW", architectures: ARCHITECTURES[arch] ?? [], syscalls };
}
