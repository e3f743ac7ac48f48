/**
 * The network operations the in-namespace agent serves (one agent op, e.g. POST /v1/net, whose
 * body is a NetRequest). The schema is the contract between the host side (./attacher.ts) and
 * the library that runs INSIDE the namespace (./networks.ts); `handleNetRequest` runs there.
 */
import { z } from "zod";
import { attach, createNetwork, detach, listAttachments, listNetworks, removeNetwork, resetNetworkState, syncHosts } from "./networks.ts";

const Ctx = z.object({ runtimeDir: z.string(), project: z.string() });

export const NetworkConfigSchema = z.object({
  key: z.string(),
  name: z.string(),
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
      z.object({ network: z.string(), ipv4Address: z.string().optional(), aliases: z.array(z.string()).optional(), priority: z.number().optional() }),
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

/** Runs one request inside the namespace; the result is JSON-serialisable. */
export async function handleNetRequest(body: unknown): Promise<unknown> {
  const req = NetRequestSchema.parse(body);
  switch (req.op) {
    case "createNetwork":
      return createNetwork(req.ctx, req.net);
    case "removeNetwork":
      await removeNetwork(req.ctx, req.key);
      return {};
    case "attach":
      return { attachments: await attach(req.ctx, req.containerId, req.netnsPath, req.requests, req.identity) };
    case "detach":
      await detach(req.ctx, req.containerId);
      return {};
    case "syncHosts":
      await syncHosts(req.ctx);
      return {};
    case "list":
      return { networks: listNetworks(req.ctx), containers: listAttachments(req.ctx) };
    case "reset":
      resetNetworkState(req.ctx);
      return {};
  }
}
