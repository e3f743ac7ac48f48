/**
 * The built-in NetworkAttacher (network-hook.ts): puts a container on the namespace's kitten0
 * bridge (inside/bridge.ts). Used for `run --network bridge`, and for compose networks until the
 * CNI networks of issue #5 are wired in as the runtime's `network` dependency.
 */
import type { NetworkAttacher } from "./network-hook.ts";

export const builtinBridge: NetworkAttacher = {
  async attach(ctx) {
    const { ip } = await ctx.agent.call("bridge", { action: "attach", id: ctx.containerId, netnsPath: ctx.netnsPath });
    const key = Object.keys(ctx.spec.networks ?? {})[0] ?? "bridge";
    return ip ? { [key]: ip } : {};
  },
  async detach(ctx) {
    await ctx.agent.call("bridge", { action: "detach", id: ctx.containerId, netnsPath: ctx.netnsPath });
  },
};
