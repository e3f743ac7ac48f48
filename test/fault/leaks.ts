/**
 * What a killed transition may leave behind, by kind (issue #13 §2): compared with the records
 * of the state db, while the project's namespace lives (container dirs, mounts, netns files,
 * cgroups, forwarders, monitors, bridges, veths, nft rules, duplicate containers, state db against
 * the runtime) and after `down` (any process, runtime file, cgroup or record of the project).
 */
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { bridgeName } from "../../src/net/bridge.ts";

export type Leaks = Record<string, string[]>;

/** What a command prints inside the namespace's network namespace (host root may enter it). */
function inNetns(pid: number, argv: string[]): string {
  const res = Bun.spawnSync(["nsenter", "-t", String(pid), "-n", "--", ...argv], { stdout: "pipe", stderr: "ignore" });
  return res.exitCode === 0 ? res.stdout.toString() : "";
}

function networkPlan(root: string, project: string): Array<{ key: string }> {
  try {
    return JSON.parse(readFileSync(join(root, "data", "networks", `${project}.json`), "utf8")) as Array<{ key: string }>;
  } catch {
    return [];
  }
}

interface RuntimeRow {
  id: string;
  name: string;
  project: string;
  service?: string;
  replica?: number;
  netnsPath?: string;
  cgroupsPath?: string;
  /** address by network: one veth each */
  ips?: Record<string, string>;
}

function db(root: string): Database {
  return new Database(join(root, "data", "state.db"), { readonly: true });
}

function runtimeRows(root: string, project: string): RuntimeRow[] {
  const d = db(root);
  try {
    return d
      .query<{ record: string }, [string]>("SELECT record FROM containers WHERE project = ?")
      .all(project)
      .map((r) => JSON.parse(r.record) as RuntimeRow);
  } catch {
    return [];
  } finally {
    d.close();
  }
}

function projectRows(root: string, project: string): Array<{ name: string; service: string; replica: number }> {
  const d = db(root);
  try {
    return d.query<{ name: string; service: string; replica: number }, [string]>("SELECT name, service, replica FROM project_containers WHERE project = ?").all(project);
  } catch {
    return [];
  } finally {
    d.close();
  }
}

/** Of `pids`, those running with this KITTEN_ROOT (their environment says so). */
export function ofRoot(pids: number[], root: string): number[] {
  return pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/environ`, "utf8").split("\0").includes(`KITTEN_ROOT=${root}`);
    } catch {
      return false;
    }
  });
}

/** Host pids whose command line contains every marker, zombies excluded. */
export function procs(...markers: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").replaceAll("\0", " ");
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      if (markers.every((m) => cmd.includes(m)) && !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) out.push(Number(e));
    } catch {}
  }
  return out;
}

function add(leaks: Leaks, kind: string, what: string): void {
  (leaks[kind] ??= []).push(what);
}

/** The project's cgroup of this KITTEN_ROOT and the containers' below it (other roots' projects of the same name are theirs). */
function cgroupDirs(root: string, project: string): string[] {
  const out: string[] = [];
  const own = `${project}-${createHash("sha256").update(join(root, "run", "projects", project)).digest("hex").slice(0, 8)}`;
  for (const h of readdirSync("/sys/fs/cgroup")) {
    const dir = join("/sys/fs/cgroup", h, "kitten", String(process.getuid?.() ?? 0), own);
    if (!existsSync(dir)) continue;
    out.push(dir);
    for (const c of readdirSync(dir, { withFileTypes: true })) if (c.isDirectory()) out.push(join(dir, c.name));
  }
  return out;
}

/** Leaks of a project whose namespace is up: everything must belong to a recorded container. */
export function leaksWhileUp(root: string, project: string): Leaks {
  const leaks: Leaks = {};
  const rows = runtimeRows(root, project);
  const ids = new Set(rows.map((r) => r.id));
  // the state db: one runtime container per service replica, and the supervisor's records agree
  const seen = new Map<string, number>();
  for (const r of rows) if (r.service) seen.set(`${r.service}/${r.replica}`, (seen.get(`${r.service}/${r.replica}`) ?? 0) + 1);
  for (const [k, n] of seen) if (n > 1) add(leaks, "duplicate containers", `${k} ×${n}`);
  const names = new Set(rows.map((r) => r.name));
  for (const p of projectRows(root, project)) if (!names.has(p.name)) add(leaks, "state db", `supervisor record ${p.name} without a container`);
  const projectNames = new Set(projectRows(root, project).map((p) => p.name));
  for (const r of rows) if (r.service && !projectNames.has(r.name)) add(leaks, "state db", `container ${r.name} without a supervisor record`);
  // container dirs of this project that no record names (dirs of other projects are theirs)
  const containersDir = join(root, "data", "containers");
  const allRuntime = (() => {
    const d = db(root);
    try {
      return new Set(d.query<{ id: string }, []>("SELECT id FROM containers").all().map((r) => r.id));
    } finally {
      d.close();
    }
  })();
  if (existsSync(containersDir)) for (const id of readdirSync(containersDir)) if (!allRuntime.has(id)) add(leaks, "container dirs", id);
  const ns = (() => {
    try {
      return JSON.parse(readFileSync(join(root, "run", "ns", `${project}.json`), "utf8")) as { childPid: number; runtimeDir: string };
    } catch {
      return undefined;
    }
  })();
  if (ns) {
    // mounts inside the namespace: rootfs overlays and netns files of containers not recorded
    let mountinfo = "";
    try {
      mountinfo = readFileSync(`/proc/${ns.childPid}/mountinfo`, "utf8");
    } catch {}
    for (const line of mountinfo.split("\n")) {
      const at = line.split(" ")[4] ?? "";
      const m = /\/containers\/([0-9a-f]{64})\/merged$/.exec(at) ?? /\/netns\/([0-9a-f]{64})$/.exec(at);
      if (m && at.startsWith(root) && !allRuntime.has(m[1]!)) add(leaks, "mounts", at);
    }
    const netnsDir = join(ns.runtimeDir, "netns");
    if (existsSync(netnsDir)) for (const id of readdirSync(netnsDir)) if (!ids.has(id)) add(leaks, "netns files", id);
    // the namespace's network: bridges and nft rules of planned networks only, a veth per recorded container at most
    const planned = new Set(networkPlan(root, project).map((n) => n.key));
    const bridges = new Set([...planned].map((k) => bridgeName(project, k)));
    const links = inNetns(ns.childPid, ["ip", "-o", "link", "show"]);
    for (const m of links.matchAll(/^\d+: (kt[0-9a-f]{10})[@:]/gm)) if (!bridges.has(m[1]!)) add(leaks, "bridges", m[1]!);
    const veths = [...links.matchAll(/^\d+: (veth[^@:]+)[@:]/gm)].map((m) => m[1]!);
    const attached = rows.reduce((n, r) => n + (r.netnsPath ? Object.keys(r.ips ?? {}).length : 0), 0);
    if (veths.length > attached) add(leaks, "veths", `${veths.length} for ${attached} network attachments`);
    for (const m of inNetns(ns.childPid, ["nft", "list", "table", "ip", "kitten"]).matchAll(/comment "([^"]+)"/g)) {
      if (!planned.has(m[1]!)) add(leaks, "nft rules", m[1]!);
    }
  }
  // cgroups of containers no record names
  for (const d of cgroupDirs(root, project)) {
    const id = d.split("/").at(-1)!;
    if (/^[0-9a-f]{64}$/.test(id) && !ids.has(id)) add(leaks, "cgroups", d);
  }
  // helpers: at most one monitor and one forwarder per container, none for one not recorded
  const perContainer = (role: string) => {
    const counts = new Map<string, number>();
    for (const pid of procs(role, join(root, "data", "containers"))) {
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        continue; // it ended meanwhile
      }
      const id = /containers\/([0-9a-f]{64})/.exec(cmd)?.[1];
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };
  for (const [id, n] of perContainer("conmon")) {
    if (!allRuntime.has(id)) add(leaks, "monitors", id);
    else if (n > 1) add(leaks, "monitors", `${id} ×${n}`);
  }
  for (const [id, n] of perContainer("__portfwd")) {
    if (!allRuntime.has(id)) add(leaks, "forwarders", id);
    else if (n > 1) add(leaks, "forwarders", `${id} ×${n}`);
  }
  const agents = procs("__agent", join(root, "run", "projects", project)).filter((p) => {
    try {
      return !readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("nsenter");
    } catch {
      return false;
    }
  });
  if (agents.length > 1) add(leaks, "agents", "more than one");
  if (ofRoot(procs(`__supervise ${project}`), root).length > 1) add(leaks, "supervisors", "more than one");
  return leaks;
}

/** Leaks after `down`: nothing of the project may be left. */
export function leaksAfterDown(root: string, project: string): Leaks {
  const leaks: Leaks = {};
  for (const pid of procs(join(root, "run", "projects", project))) add(leaks, "processes", String(pid));
  for (const pid of ofRoot(procs(`__supervise ${project}`), root)) add(leaks, "processes", `supervisor ${pid}`);
  for (const f of ["ns", "projects", "sup", "locks"]) {
    const dir = join(root, "run", f);
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir)) if (e === project || e.startsWith(`${project}.`)) add(leaks, "runtime files", join(dir, e));
  }
  for (const d of cgroupDirs(root, project)) add(leaks, "cgroups", d);
  if (runtimeRows(root, project).length > 0) add(leaks, "state db", `${runtimeRows(root, project).length} container records`);
  if (projectRows(root, project).length > 0) add(leaks, "state db", `${projectRows(root, project).length} supervisor records`);
  return leaks;
}

export function count(leaks: Leaks): number {
  return Object.values(leaks).reduce((n, l) => n + l.length, 0);
}

/**
 * Leaks of a killed `kitten build` once a build ran again to its end: build work dirs no live
 * build owns (named `<pid>-…`), build workers and their RUN steps' mounts in the namespace.
 */
export function leaksAfterBuild(root: string, project: string): Leaks {
  const leaks: Leaks = {};
  const tmp = join(root, "data", "build", "tmp");
  if (existsSync(tmp)) {
    for (const e of readdirSync(tmp)) {
      const pid = /^(?:secrets-)?(\d+)-/.exec(e)?.[1];
      if (pid && !existsSync(`/proc/${pid}`)) add(leaks, "build dirs", e);
    }
  }
  for (const pid of ofRoot(procs("__build-worker"), root)) add(leaks, "build workers", String(pid));
  try {
    const ns = JSON.parse(readFileSync(join(root, "run", "ns", `${project}.json`), "utf8")) as { childPid: number };
    for (const line of readFileSync(`/proc/${ns.childPid}/mountinfo`, "utf8").split("\n")) {
      const at = line.split(" ")[4] ?? "";
      if (at.startsWith(join(root, "data", "build"))) add(leaks, "mounts", at);
    }
  } catch {}
  return leaks;
}
