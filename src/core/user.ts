/**
 * The current user, by uid. Bun's os.userInfo() answers "unknown" for the name when $USER is
 * unset (measured as root on this host), so the name comes from /etc/passwd like getpwuid(3).
 */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";

export interface CurrentUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function passwdName(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split("\n")) {
    const [name, , id] = line.split(":");
    if (name && id !== undefined && Number(id) === uid && id.trim() !== "") return name;
  }
  return undefined;
}

export function currentUser(): CurrentUser {
  const info = userInfo();
  let passwd = "";
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {}
  const name = passwdName(passwd, info.uid) ?? (info.username !== "unknown" ? info.username : String(info.uid));
  return { name, uid: info.uid, gid: info.gid, home: info.homedir };
}
