/** The record of a running project namespace, persisted as JSON so later commands find it again. */
import { z } from "zod";

export const NamespaceDriverSchema = z.enum(["rootlesskit", "unshare"]);
export type NamespaceDriver = z.infer<typeof NamespaceDriverSchema>;

export const NamespaceRecordSchema = z.object({
  project: z.string(),
  driver: NamespaceDriverSchema,
  /** the host process whose death ends the namespace: rootlesskit, or the unshare parent */
  pid: z.number().int(),
  /** pid (host view) of the namespace's init: join with nsenter -t childPid */
  childPid: z.number().int(),
  /** rootlesskit REST API socket (port driver) */
  apiSocket: z.string().optional(),
  /** slirp4netns API socket and pid (unshare driver) */
  slirpSocket: z.string().optional(),
  slirpPid: z.number().int().optional(),
  hostLoopback: z.boolean(),
  runtimeDir: z.string(),
  agentSocket: z.string(),
  startedAt: z.string(),
});
export type NamespaceRecord = z.infer<typeof NamespaceRecordSchema>;

export interface NamespaceOptions {
  /** let containers reach the host's 127.0.0.1 through slirp's 10.0.2.2 (off by default) */
  hostLoopback?: boolean;
  /** force a driver; default: KITTEN_NS_DRIVER, else rootlesskit when installed, else unshare */
  driver?: NamespaceDriver;
}

/** The address slirp4netns gives the namespace's tap0, and its gateway and DNS. */
export const SLIRP = { guest: "10.0.2.100", gateway: "10.0.2.2", dns: "10.0.2.3", mtu: 65520 } as const;
