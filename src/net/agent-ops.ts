/**
 * INSIDE the namespace: the agent's `net` operation (./net-protocol.ts) dispatched to the
 * network library (./networks.ts).
 */
import { NetRequestSchema } from "./net-protocol.ts";
import { attach, createNetwork, detach, listAttachments, listNetworks, removeNetwork, resetNetworkState, syncHosts } from "./networks.ts";

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
