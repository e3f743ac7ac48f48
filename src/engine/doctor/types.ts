/** The result of `kitten doctor`: one line per host prerequisite (DESIGN.md, issue #2 §4). */
export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  /** what was checked: a program (`runc`), a file (`/dev/net/tun`), a feature (`overlay`) */
  name: string;
  status: CheckStatus;
  /** what was found, one line */
  detail: string;
  /** the exact command that fixes a warning or failure, null when there is none or nothing to fix */
  fix: string | null;
  /** whether kitten cannot run containers without it; a failed required check makes doctor exit 1 */
  required: boolean;
}

export interface DoctorReport {
  /** no required check failed */
  ok: boolean;
  /** the OCI runtime kitten will use: crun when it works here, else runc; null when neither works */
  runtime: "runc" | "crun" | null;
  checks: Check[];
}

export function ok(name: string, detail: string, required = true): Check {
  return { name, status: "ok", detail, fix: null, required };
}

export function warn(name: string, detail: string, fix: string | null = null, required = false): Check {
  return { name, status: "warn", detail, fix, required };
}

export function fail(name: string, detail: string, fix: string | null, required = true): Check {
  return { name, status: "fail", detail, fix, required };
}
