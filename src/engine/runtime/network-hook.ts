/**
 * How container networks (issue #5) plug into the runtime: for a container with its own
 * network namespace, the runtime creates the netns file inside the project namespace, then asks
 * the attacher to wire it (CNI bridge, IPAM, /etc/hosts) before the container starts.
 */
import type { AgentClient } from "./agent-client.ts";
import type { ContainerSpec } from "./types.ts";

export interface NetworkContext {
  project: string;
  containerId: string;
  spec: ContainerSpec;
  /** the container's netns file, inside the project namespace */
  netnsPath: string;
  /** the container's /etc/hosts, which the attacher owns once it attached (localhost, the
   * container's own name and extra_hosts are in it already; bind-mounted: rewrite in place,
   * never rename over it) */
  hostsPath: string;
  /** runs commands inside the project namespace (`spawn`) */
  agent: AgentClient;
  runtimeDir: string;
}

export interface NetworkAttacher {
  /** returns the container's IP per network key */
  attach(ctx: NetworkContext): Promise<Record<string, string>>;
  detach(ctx: NetworkContext): Promise<void>;
}
