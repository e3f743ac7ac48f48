/** Host programs kitten drives: present on PATH, and which version (DESIGN.md "Debian packages"). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { exec, findExecutable, lastLine } from "./exec.ts";
import { fail, ok, type Check } from "./types.ts";

export interface Program {
  name: string;
  /** the Debian package that provides it */
  pkg: string;
  versionArgs: string[];
  required: boolean;
  /** why kitten needs it, shown when it is missing */
  purpose: string;
}

export const PROGRAMS: Program[] = [
  { name: "rootlesskit", pkg: "rootlesskit", versionArgs: ["--version"], required: true, purpose: "the per-project rootless namespace" },
  { name: "slirp4netns", pkg: "slirp4netns", versionArgs: ["--version"], required: true, purpose: "outbound networking of the rootless namespace" },
  { name: "conmon", pkg: "conmon", versionArgs: ["--version"], required: true, purpose: "container monitor that keeps exit codes and logs" },
  { name: "catatonit", pkg: "catatonit", versionArgs: ["--version"], required: true, purpose: "init of the namespace's pid namespace" },
  { name: "nft", pkg: "nftables", versionArgs: ["--version"], required: true, purpose: "masquerade rules of container networks" },
  { name: "ip", pkg: "iproute2", versionArgs: ["-V"], required: true, purpose: "bridges of container networks" },
];

/** Directories a program may be installed in without being on a non-root user's PATH. */
const SBIN_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/** A check for a missing program: not installed, or installed outside PATH. */
export function missingProgram(name: string, pkg: string, required: boolean, purpose: string): Check {
  const elsewhere = SBIN_DIRS.map((d) => join(d, name)).find((p) => existsSync(p));
  if (elsewhere) {
    const dir = elsewhere.slice(0, -name.length - 1);
    return fail(name, `installed at ${elsewhere} but ${dir} is not on PATH`, `export PATH="$PATH:${dir}"`, required);
  }
  return fail(name, `not found on PATH (needed for ${purpose})`, `apt-get install -y ${pkg}`, required);
}

export async function checkProgram(program: Program, env: Record<string, string | undefined>): Promise<Check> {
  const path = findExecutable(program.name, env.PATH);
  if (!path) return missingProgram(program.name, program.pkg, program.required, program.purpose);
  const result = await exec([path, ...program.versionArgs], { env, timeoutMs: 5_000 });
  const version = firstLine(result.stdout) || lastLine(result.stderr);
  if (result.code !== 0) return fail(program.name, `${path} does not run: ${version || `exit ${result.code}`}`, `apt-get install --reinstall -y ${program.pkg}`, program.required);
  return ok(program.name, `${path}${version ? `: ${version}` : ""}`, program.required);
}

function firstLine(text: string): string {
  return text.split("\n").map((l) => l.trim()).find(Boolean) ?? "";
}
