/**
 * Test driver run INSIDE a rootless namespace (via nsenter) by net-lib.test.ts: one operation
 * of the network library per invocation, argument and result as JSON.
 */
import { spawn, spawnSync } from "node:child_process";
import { attach, createNetwork, detach, listAttachments, removeNetwork, resetNetworkState, type NetContext } from "../../../src/net/networks.ts";
import { handleNetRequest } from "../../../src/net/agent-ops.ts";
import { createNetns, removeNetns } from "../../../src/net/netns.ts";
import { syncHostsFiles, hostsFilePath } from "../../../src/net/hosts-file.ts";
import type { HostsPeer } from "../../../src/net/hosts.ts";

type Op =
  | { op: "createNetwork"; ctx: NetContext; net: Parameters<typeof createNetwork>[1] }
  | { op: "removeNetwork"; ctx: NetContext; key: string }
  | { op: "reset"; ctx: NetContext }
  | { op: "netns"; path: string }
  | { op: "rmNetns"; path: string }
  | { op: "attach"; ctx: NetContext; id: string; netns: string; requests: Parameters<typeof attach>[3]; identity?: Parameters<typeof attach>[4] }
  | { op: "detach"; ctx: NetContext; id: string }
  | { op: "attachments"; ctx: NetContext }
  | { op: "hosts"; runtimeDir: string; peers: HostsPeer[] }
  | { op: "start"; netns: string; hosts: string; argv: string[] }
  | { op: "exec"; pid: number; argv: string[]; timeoutMs?: number }
  | { op: "sh"; argv: string[] };

const req = JSON.parse(process.argv[2]!) as Op;

async function main(): Promise<unknown> {
  switch (req.op) {
    case "createNetwork":
      return createNetwork(req.ctx, req.net);
    case "removeNetwork":
      return removeNetwork(req.ctx, req.key);
    case "reset":
      return resetNetworkState(req.ctx);
    case "netns":
      return createNetns(req.path);
    case "rmNetns":
      return removeNetns(req.path);
    case "attach":
      {
      // through the agent's request handler, as the real agent serves it
      const out = (await handleNetRequest({ op: "attach", ctx: req.ctx, containerId: req.id, netnsPath: req.netns, requests: req.requests, identity: req.identity })) as {
        attachments: unknown;
      };
      return out.attachments;
    }
    case "detach":
      return detach(req.ctx, req.id);
    case "attachments":
      return listAttachments(req.ctx);
    case "hosts":
      return { changed: syncHostsFiles(req.runtimeDir, req.peers), paths: req.peers.map((p) => hostsFilePath(req.runtimeDir, p.name)) };
    case "start": {
      // a "container": its own mount ns with the hosts file bind-mounted at /etc/hosts (as the
      // runtime does), in the given netns; left running after this driver exits
      const script = 'mount --bind "$0" /etc/hosts && exec "$@"';
      const child = spawn("nsenter", [`--net=${req.netns}`, "unshare", "-m", "--propagation", "private", "sh", "-c", script, req.hosts, ...req.argv], {
        detached: true,
        stdio: "ignore",
      });
      child.unref();
      // the pid to enter is the exec'd command's: nsenter and unshare exec in place
      return { pid: child.pid };
    }
    case "exec": {
      const r = spawnSync("nsenter", ["-t", String(req.pid), "-m", "-n", ...req.argv], { encoding: "utf8", timeout: req.timeoutMs ?? 10_000 });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr + (r.signal ? ` (signal ${r.signal})` : "") + (r.error ? ` (${r.error.message})` : "") };
    }
    case "sh": {
      const r = spawnSync(req.argv[0]!, req.argv.slice(1), { encoding: "utf8" });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }
  }
}

try {
  const result = await main();
  process.stdout.write(JSON.stringify({ ok: true, result: result ?? null }));
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err) }));
}
