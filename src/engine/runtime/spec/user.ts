/**
 * `user` resolution as docker does it (moby/sys/user GetExecUser): `name|uid[:group|gid]`
 * looked up in the image's /etc/passwd and /etc/group; numeric ids need no entry; the
 * supplementary groups are those listing the user as a member; HOME comes from passwd.
 */
import { InvalidInputError } from "../../../core/errors.ts";

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).flatMap((l) => {
    const f = l.split(":");
    if (f.length < 4 || !isNum(f[2]!) || !isNum(f[3]!)) return [];
    return [{ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || "/" }];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text).flatMap((l) => {
    const f = l.split(":");
    if (f.length < 3 || !isNum(f[2]!)) return [];
    return [{ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) }];
  });
}

export function resolveUser(spec: string | undefined, passwdText = "", groupText = ""): ExecUser {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const [userPart = "", groupPart] = (spec ?? "").split(":", 2);
  const u = userPart === "" ? "0" : userPart;
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (isNum(u)) {
    uid = Number(u);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === u);
    if (!entry) throw new InvalidInputError(`unable to find user ${u}: no matching entries in passwd file`);
    uid = entry.uid;
  }
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== "") {
    if (isNum(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new InvalidInputError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  // docker only adds membership groups when no explicit group was given
  const additionalGids =
    entry && (groupPart === undefined || groupPart === "")
      ? [...new Set(groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid))]
      : [];
  return { uid, gid, additionalGids, home: entry?.home ?? "/" };
}

function lines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

function isNum(s: string): boolean {
  return /^\d+$/.test(s);
}
