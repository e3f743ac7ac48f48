/**
 * Calls CNI plugins directly, the way libcni does (CNI spec 1.0 "Execution Protocol"): the
 * network configuration on stdin with `name`, `cniVersion`, the previous result and the
 * `runtimeConfig` keys the plugin declares as capabilities; CNI_* in the environment; the
 * result (or an error object) on stdout. Runs INSIDE the rootless namespace.
 */
import { RuntimeFailure } from "../core/errors.ts";
import { execTool } from "./exec.ts";

export const CNI_PLUGIN_DIR = "/usr/lib/cni";
export const CNI_VERSION = "1.0.0";

export interface CniInvocation {
  containerId: string;
  /** path of the container's netns file; "" when it is already gone (DEL then only frees IPAM) */
  netns: string;
  ifname: string;
}

/** A single-plugin network configuration, as kitten generates them. */
export interface CniConf {
  cniVersion: string;
  name: string;
  type: string;
  capabilities?: Record<string, boolean>;
  runtimeConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface CniResult {
  cniVersion?: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: Array<{ interface?: number; address: string; gateway?: string }>;
  routes?: Array<{ dst: string; gw?: string }>;
}

export async function cniAdd(conf: CniConf, inv: CniInvocation, pluginDir = CNI_PLUGIN_DIR): Promise<CniResult> {
  const out = await invoke("ADD", conf, inv, pluginDir);
  try {
    return JSON.parse(out) as CniResult;
  } catch {
    throw new RuntimeFailure(`cni plugin ${conf.type} returned no result for ${inv.ifname} of ${inv.containerId}`);
  }
}

/** DEL with the same configuration as ADD and the cached result as prevResult (CNI spec: DEL). */
export async function cniDel(conf: CniConf, inv: CniInvocation, prevResult?: CniResult, pluginDir = CNI_PLUGIN_DIR): Promise<void> {
  await invoke("DEL", prevResult ? { ...conf, prevResult } : conf, inv, pluginDir);
}

async function invoke(command: "ADD" | "DEL", conf: CniConf, inv: CniInvocation, pluginDir: string): Promise<string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifname,
    CNI_PATH: pluginDir,
  };
  const r = await execTool([`${pluginDir}/${conf.type}`], { stdin: JSON.stringify(conf), env });
  if (r.code !== 0) {
    throw new RuntimeFailure(`cni ${conf.type} ${command} ${inv.ifname} of ${inv.containerId} on "${conf.name}" failed: ${cniErrorText(r.stdout, r.stderr)}`);
  }
  return r.stdout;
}

/** A plugin failure is a JSON object {code, msg, details} on stdout (CNI spec "Error"). */
export function cniErrorText(stdout: string, stderr: string): string {
  try {
    const e = JSON.parse(stdout) as { msg?: string; details?: string };
    if (e.msg) return e.details ? `${e.msg}: ${e.details}` : e.msg;
  } catch {}
  return (stderr || stdout).trim() || "no output";
}
