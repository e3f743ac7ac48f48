/**
 * Subordinate id ranges (/etc/subuid, /etc/subgid) of the current user, which the rootless
 * namespace maps (research/rootless-spike.md §1b: map the full range, not --map-auto's 65535).
 */
import { readFileSync } from "node:fs";
import { InvalidInputError } from "./errors.ts";
import { currentUser } from "./user.ts";

export interface SubIdRange {
  start: number;
  count: number;
}

export function parseSubIdFile(text: string, user: string, uid: number): SubIdRange | undefined {
  for (const line of text.split("\n")) {
    const [who, start, count] = line.trim().split(":");
    if (!who || start === undefined || count === undefined) continue;
    if (who === user || who === String(uid)) return { start: Number(start), count: Number(count) };
  }
  return undefined;
}

export function currentSubIds(): { user: string; uid: number; gid: number; subuid: SubIdRange; subgid: SubIdRange } {
  const me = currentUser();
  const info = { username: me.name, uid: me.uid, gid: me.gid };
  const read = (file: string): SubIdRange => {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {}
    const range = parseSubIdFile(text, info.username, info.uid);
    if (!range) {
      throw new InvalidInputError(`no ${file} range for user "${info.username}"`, {
        code: "no_subid",
        hint: `run as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${info.username}`,
      });
    }
    return range;
  };
  return { user: info.username, uid: info.uid, gid: info.gid, subuid: read("/etc/subuid"), subgid: read("/etc/subgid") };
}

/**
 * The largest uid and gid a project's user namespace maps: 0 is the user, 1..count its
 * subordinate range (newuidmap writes exactly that map). Without a range (doctor reports it), the
 * kernel's own limit, so loading never fails on a host that cannot run containers anyway.
 */
export function mappedIdLimits(): { maxUid: number; maxGid: number; source: string } {
  try {
    const ids = currentSubIds();
    return { maxUid: ids.subuid.count, maxGid: ids.subgid.count, source: `/etc/subuid and /etc/subgid give ${ids.user} ${ids.subuid.count} and ${ids.subgid.count} ids` };
  } catch {
    return { maxUid: 4294967294, maxGid: 4294967294, source: "the kernel's limit" };
  }
}
