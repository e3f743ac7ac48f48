/**
 * user, cap_add/cap_drop, read_only and security_opt as a container securityContext. Kubernetes
 * takes numeric ids only (runAsUser/runAsGroup); a user name would have to be looked up in the
 * image's /etc/passwd, which the cluster does not do.
 */
import type { Service } from "../../compose/model.ts";
import type { SecurityContext } from "../objects.ts";
import type { Findings } from "../findings.ts";

const cap = (c: string) => c.toUpperCase().replace(/^CAP_/, "");

export function securityContext(name: string, s: Service, findings: Findings): SecurityContext | undefined {
  const subject = `service ${name}`;
  const sc: SecurityContext = {};
  if (s.user !== undefined) {
    const m = /^(\d+)(?::(\d+))?$/.exec(s.user);
    if (m) {
      sc.runAsUser = Number(m[1]);
      if (m[2] !== undefined) sc.runAsGroup = Number(m[2]);
    } else {
      findings.dropped(subject, "user", `"${s.user}": Kubernetes needs numeric ids (runAsUser), write user: "UID[:GID]"`);
    }
  }
  if (s.cap_add?.length || s.cap_drop?.length) {
    sc.capabilities = {
      ...(s.cap_add?.length ? { add: s.cap_add.map(cap) } : {}),
      ...(s.cap_drop?.length ? { drop: s.cap_drop.map(cap) } : {}),
    };
  }
  if (s.read_only) sc.readOnlyRootFilesystem = true;
  for (const opt of s.security_opt ?? []) {
    const [k, v] = opt.includes("=") ? opt.split("=", 2) : opt.split(":", 2);
    if (k === "no-new-privileges" && (v === undefined || v === "true")) sc.allowPrivilegeEscalation = false;
    else if (k === "seccomp" && v === "unconfined") sc.seccompProfile = { type: "Unconfined" };
    else if (k === "apparmor" && v === "unconfined") sc.appArmorProfile = { type: "Unconfined" };
    else findings.dropped(subject, "security_opt", `"${opt}" has no securityContext field`);
  }
  return Object.keys(sc).length > 0 ? sc : undefined;
}
