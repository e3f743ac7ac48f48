/**
 * The network operations the in-namespace agent serves: one agent op (`net`, POST /v1/net) whose
 * body is a NetRequest. This schema is the whole contract between the host side (./attacher.ts)
 * and the library INSIDE the namespace (./agent-ops.ts → ./networks.ts); it imports neither.
 */
import { z } from "zod";
import { RESTRICTED_NAME_RE } from "../core/names.ts";

/** a network's name becomes host-local's data directory: checked again here, whatever the host sent (#14) */
const NetworkName = z.string().max(255).regex(RESTRICTED_NAME_RE);

const Ctx = z.object({ runtimeDir: z.string(), project: z.string() });

export const NetworkConfigSchema = z.object({
  key: z.string(),
  name: NetworkName,
  subnet: z.string(),
  gateway: z.string(),
  ipRange: z.string().optional(),
  internal: z.boolean(),
});

export const NetRequestSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("createNetwork"), ctx: Ctx, net: NetworkConfigSchema }),
  z.object({ op: z.literal("removeNetwork"), ctx: Ctx, key: z.string() }),
  z.object({
    op: z.literal("attach"),
    ctx: Ctx,
    containerId: z.string(),
    netnsPath: z.string(),
    requests: z.array(
      z.object({
        network: z.string(),
        ipv4Address: z.string().optional(),
        aliases: z.array(z.string()).optional(),
        priority: z.number().optional(),
        /** compose mac_address: the bridge plugin's `mac` capability */
        macAddress: z.string().optional(),
      }),
    ),
    identity: z
      .object({
        name: z.string(),
        service: z.string().optional(),
        hostname: z.string().optional(),
        extraHosts: z.array(z.string()).optional(),
        hostsPath: z.string(),
      })
      .optional(),
  }),
  z.object({ op: z.literal("detach"), ctx: Ctx, containerId: z.string() }),
  z.object({ op: z.literal("syncHosts"), ctx: Ctx }),
  z.object({ op: z.literal("list"), ctx: Ctx }),
  z.object({ op: z.literal("reset"), ctx: Ctx }),
]);
export type NetRequest = z.input<typeof NetRequestSchema>;
