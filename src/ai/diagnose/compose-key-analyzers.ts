/**
 * Analyzers for the failures the compose keys of issue #12 cause, in the words they surface in
 * today: `up`'s own errors for secrets and configs (secret-files.ts) and devices
 * (extras-host.ts), runc's for a sysctl the kernel refuses ("open /proc/sys/…: …", validate.go's
 * "sysctl … not allowed in host network namespace"), the supervisor's for a post_start hook
 * (hooks.ts), and a secret or config target that is also a volume's (docker refuses it as a
 * "Duplicate mount point"; kitten mounts the file over the volume, hiding it). Pure.
 */
import { posix } from "node:path";
import type { Analyzer } from "./analyzers.ts";
import type { ContainerEvidence } from "./evidence.ts";

function exitLine(e: ContainerEvidence): string {
  return e.startPhase ? `${e.startPhase === "post_start" ? "post_start hook" : e.startPhase} failed` : `exit code ${e.exitCode ?? "unknown"}`;
}

export const secretUnavailable: Analyzer = (e) => {
  const err = e.startError ?? "";
  const file = /(secret|config) "([^"]+)": file (.+?) (not found|cannot be read: (.+)|cannot be read \((.+)\)|is larger than (.+))$/.exec(err);
  const variable = /environment variable "([^"]+)" required by (secret|config) "([^"]+)" is not set/.exec(err);
  const unprepared = /(secret|config) "([^"]+)" has not been prepared/.exec(err);
  if (file) {
    const [, kind, key, path, , reason, errno, size] = file;
    const why = reason ?? errno ?? (size ? `it is larger than ${size}` : undefined);
    return {
      rule: "secret-unavailable",
      cause: why ? `the ${kind} "${key}" cannot be read: ${why}` : `the ${kind} "${key}" has no file: ${path} does not exist`,
      evidence: [err, `${kind}s.${key}.file: ${path}`],
      fix: why
        ? /permission denied/.test(why)
          ? `kitten reads ${path} as the user running it: make it readable by that user (chmod/chown, or a copy the user owns)`
          : size
            ? `a ${kind} is read whole into each container: point ${kind}s.${key}.file at the file itself (not a device or an archive), or mount large files with volumes:`
            : /EISDIR/.test(why)
              ? `${path} is a directory: point ${kind}s.${key}.file at a file in it, or mount the directory with volumes:`
              : `point ${kind}s.${key}.file at a regular file`
        : `create ${path}, or point ${kind}s.${key}.file at the right path (relative paths are from the project directory)`,
      confidence: "high",
    };
  }
  if (variable) {
    const [, name, kind, key] = variable;
    return {
      rule: "secret-unavailable",
      cause: `the ${kind} "${key}" comes from the environment variable ${name}, which is not set`,
      evidence: [err],
      fix: `set ${name} in the shell that runs kitten up, or in the project's .env file`,
      confidence: "high",
    };
  }
  if (unprepared) {
    return {
      rule: "secret-unavailable",
      cause: `the ${unprepared[1]} "${unprepared[2]}" was not written for this container`,
      evidence: [err],
      fix: "secrets and configs are written by kitten up: run it again (a start or restart alone does not rewrite them)",
      confidence: "medium",
    };
  }
  return undefined;
};

/** `open /proc/sys/net/ipv4/x: …` → net.ipv4.x */
function sysctlKey(path: string): string {
  return path.replace(/^\/proc\/sys\//, "").replaceAll("/", ".");
}

export const sysctlRefused: Analyzer = (e) => {
  const err = e.startError ?? "";
  const open = /(?:open|write) (\/proc\/sys\/[^:\s]+):? (?:[^:]*: )?(no such file or directory|permission denied|read-only file system|invalid argument)/i.exec(err);
  const validate = /sysctl "?([\w./-]+)"? (?:is )?(not allowed in host (?:network|UTS|IPC) namespace|is not in a separate kernel namespace|not allowed)/i.exec(err);
  if (!open && !validate) return undefined;
  const key = open ? sysctlKey(open[1]!) : validate![1]!;
  const why = (open?.[2] ?? validate![2]!).toLowerCase();
  const value = e.config.sysctls?.[key];
  const cause =
    why === "no such file or directory"
      ? `the kernel has no sysctl ${key}`
      : why === "invalid argument"
        ? `the kernel refused the value of sysctl ${key}${value !== undefined ? ` (${value})` : ""}`
        : `the kernel refused the sysctl ${key}: ${why}`;
  return {
    rule: "sysctl-refused",
    cause,
    evidence: [err, ...(value !== undefined ? [`sysctls: ${key}=${value}`] : [])],
    fix:
      why === "no such file or directory"
        ? `remove ${key} from sysctls: of service "${e.service}" (a typo, or a module this kernel lacks: check /proc/sys/${key.replaceAll(".", "/")} on the host)`
        : why === "invalid argument"
          ? `use a value the kernel accepts for ${key}`
          : `a rootless container may set only the sysctls of the namespaces it owns: remove ${key} from sysctls: of service "${e.service}" and set it on the host instead (sysctl -w ${key}=${value ?? "…"}, as root)`,
    confidence: "high",
  };
};

export const deviceRefused: Analyzer = (e) => {
  const err = e.startError ?? "";
  const denied = /device (\S+): permission denied for user (\S+)/.exec(err);
  const missing = /device (\S+) does not exist on this host/.exec(err);
  const notDevice = /: (\S+) is not a device$/.exec(err);
  if (denied) {
    return {
      rule: "device-refused",
      cause: `the device ${denied[1]} is not open to ${denied[2]}: a rootless container can use only the devices its user may open`,
      evidence: [err],
      fix: `give ${denied[2]} access to ${denied[1]} (its group, e.g. usermod -aG <group> ${denied[2]}, or a udev rule), or drop the w permission if the service only reads it`,
      confidence: "high",
    };
  }
  if (missing || notDevice) {
    const path = (missing ?? notDevice)![1]!;
    return {
      rule: "device-refused",
      cause: missing ? `the device ${path} does not exist on this host` : `${path} is not a device node`,
      evidence: [err],
      fix: missing ? `plug it in or remove it from devices: of service "${e.service}"` : `devices: takes device nodes; mount other files with volumes:`,
      confidence: "high",
    };
  }
  return undefined;
};

/** An argument as a POSIX shell reads it back. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export const postStartFailed: Analyzer = (e) => {
  const err = e.startError ?? "";
  const m = /post_start hook `(.+)` exited with status (-?\d+)(?::\s*(.*))?$/s.exec(err);
  if (!m && e.startPhase !== "post_start") return undefined;
  const command = m?.[1];
  const status = m ? Number(m[2]) : undefined;
  // the hook as configured, quoted for a shell (the error joins its argv with spaces)
  const hook = (e.config.post_start ?? []).find((h) => h.command.join(" ") === command);
  const typed = hook ? hook.command.map(shellQuote).join(" ") : command;
  const notFound = status === 127 || /not found|no such file/i.test(m?.[3] ?? "");
  return {
    rule: "post-start-hook",
    cause: `the post_start hook failed${command ? ` (\`${command}\`, exit status ${status})` : ""}: the container started, the hook did not`,
    evidence: [err, `state: ${e.state}`],
    fix: notFound
      ? `the hook's program is not in the image: use one the image has (hooks run inside the container, like kitten exec)`
      : `run it by hand to see why: kitten exec ${hook?.user ? `-u ${shellQuote(hook.user)} ` : ""}${e.container || "<container>"} ${typed ?? "<hook command>"}; a hook runs with its own user, working_dir and environment, not the service's`,
    confidence: "high",
  };
};

/** Where each secret and config of the service lands, and the volumes mounted at the same path. */
export const mountClash: Analyzer = (e) => {
  const files = [
    ...(e.config.secrets ?? []).map((r) => ({ kind: "secret", source: r.source, target: posix.normalize(r.target ?? `/run/secrets/${r.source}`) })),
    ...(e.config.configs ?? []).map((r) => ({ kind: "config", source: r.source, target: posix.normalize(r.target ?? `/${r.source}`) })),
  ];
  const mounts = (e.config.volumes ?? []).map((v) => ({ target: posix.normalize(v.target), source: v.source ?? "(anonymous volume)", type: v.type }));
  for (const f of files) {
    const clash = mounts.find((m) => m.target === f.target);
    if (!clash) continue;
    return {
      rule: "mount-clash",
      cause: `the ${f.kind} "${f.source}" and the ${clash.type} ${clash.source} are both mounted at ${f.target}: the ${f.kind} hides the ${clash.type}`,
      evidence: [`${f.kind}s: ${f.source} → ${f.target}`, `volumes: ${clash.source}:${clash.target}`, exitLine(e)],
      fix: `give one of them another target (docker refuses this as a duplicate mount point); to put a config file inside a mounted directory, mount the file elsewhere and point the program at it`,
      confidence: "high",
    };
  }
  return undefined;
};

export const COMPOSE_KEY_ANALYZERS: Analyzer[] = [secretUnavailable, sysctlRefused, deviceRefused, postStartFailed, mountClash];
