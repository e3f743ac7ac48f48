/** `--security-opt` / compose `security_opt` (pure, shared by `kitten run` and compose validation). */
import { InvalidInputError } from "../../../core/errors.ts";

/**
 * docker's security options kitten applies: no-new-privileges and seccomp=unconfined (`:` or
 * `=`, as docker accepts both). label= and apparmor= (often passed for podman) are accepted
 * without effect; a custom seccomp profile file and anything else are refused rather than ignored.
 */
export function parseSecurityOpts(opts: string[], where: string): { noNewPrivileges: boolean; seccomp?: "unconfined" } {
  let noNewPrivileges = false;
  let seccomp: "unconfined" | undefined;
  for (const o of opts) {
    const [key = "", value] = o.split(/[=:]/, 2);
    if (key === "no-new-privileges" && (value === undefined || value === "true")) noNewPrivileges = true;
    else if (key === "no-new-privileges" && value === "false") noNewPrivileges = false;
    else if (key === "seccomp" && value === "unconfined") seccomp = "unconfined";
    // SELinux and AppArmor labels do not apply to a rootless kitten container: accepted, no effect
    else if (key === "label" || key === "apparmor") continue;
    else if (key === "seccomp") throw new InvalidInputError(`${where} "${o}": custom seccomp profiles are not supported`, { hint: "use seccomp=unconfined, or leave it out for kitten's default filter" });
    else throw new InvalidInputError(`${where} "${o}" is not supported`, { hint: "supported: no-new-privileges, seccomp=unconfined, label=…, apparmor=…" });
  }
  return { noNewPrivileges, seccomp };
}
