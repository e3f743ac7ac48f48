/**
 * The record of a running project namespace, persisted as JSON so later commands find it again.
 * Checked by hand rather than with zod: it is read on every container command, and zod's import
 * cost (~10-30 ms) would land in `kitten run`'s hot path.
 */
export type NamespaceDriver = "rootlesskit" | "unshare";

export interface NamespaceRecord {
  project: string;
  driver: NamespaceDriver;
  /** the driver's host process: rootlesskit, or the unshare parent (a helper: its death ends nothing) */
  pid: number;
  pidStart?: number;
  /**
   * pid (host view) of the holder, `catatonit -P`, pid 1 of the namespace's pid namespace: the
   * one process whose death ends the namespace and every container in it. Join with
   * `nsenter -t childPid`. In records of older builds (no `holder`), the namespace's init.
   */
  childPid: number;
  /** the holder's start time (clock ticks since boot): with childPid, it names the holder, never a reused pid */
  childStart?: number;
  /** the namespace is held by catatonit -P and every helper (agent, forwarders, slirp4netns) enters it */
  holder?: boolean;
  /** rootlesskit REST API socket (port driver) */
  apiSocket?: string;
  /** slirp4netns API socket (unshare driver) */
  slirpSocket?: string;
  /** slirp4netns, the namespace's outbound network (both drivers); restarted by ensureSlirp when it died */
  slirpPid?: number;
  slirpStart?: number;
  hostLoopback: boolean;
  runtimeDir: string;
  agentSocket: string;
  startedAt: string;
  /** identity of the kitten build that started it (its agent runs that code) */
  build?: string;
}

/** The record, or undefined when the JSON is not one (a corrupt or foreign file). */
export function parseNamespaceRecord(value: unknown): NamespaceRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const str = (k: string) => typeof r[k] === "string";
  const int = (k: string) => Number.isInteger(r[k]);
  const opt = (k: string, ok: (k: string) => boolean) => r[k] === undefined || ok(k);
  const valid =
    str("project") && (r.driver === "rootlesskit" || r.driver === "unshare") && int("pid") && int("childPid") &&
    opt("apiSocket", str) && opt("slirpSocket", str) && opt("slirpPid", int) && typeof r.hostLoopback === "boolean" &&
    str("runtimeDir") && str("agentSocket") && str("startedAt") && opt("build", str) &&
    opt("pidStart", int) && opt("childStart", int) && opt("slirpStart", int) && (r.holder === undefined || typeof r.holder === "boolean");
  return valid ? (r as unknown as NamespaceRecord) : undefined;
}

export interface NamespaceOptions {
  /** let containers reach the host's 127.0.0.1 through slirp's 10.0.2.2 (off by default) */
  hostLoopback?: boolean;
  /** force a driver; default: KITTEN_NS_DRIVER, else rootlesskit when installed, else unshare */
  driver?: NamespaceDriver;
}

/** The address slirp4netns gives the namespace's tap0, and its gateway and DNS. */
export const SLIRP = { guest: "10.0.2.100", gateway: "10.0.2.2", dns: "10.0.2.3", mtu: 65520 } as const;
