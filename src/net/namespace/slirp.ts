/**
 * slirp4netns, the namespace's outbound network, as a restartable helper. It moves packets
 * between the namespace's tap0 and the host's sockets; when it dies, containers lose their way
 * out ("No route to host") but nothing else. A new one attached to the holder's network
 * namespace brings it back (measured, both drivers):
 * - under rootlesskit the tap device is persistent (rootlesskit made it with `ip tuntap add`
 *   and configured it), so the new slirp4netns only opens it again — no --configure;
 * - under the unshare driver slirp4netns made the tap itself, which went with it: --configure
 *   makes and configures it again, and its API socket (the UDP port driver) is bound anew.
 * Ready when it writes to its ready fd (-r 3).
 */
import { rmSync } from "node:fs";
import { RuntimeFailure } from "../../core/errors.ts";
import { processStartTime, signalProcess } from "./proc.ts";
import { driverLogTail, spawnDetached } from "./spawn.ts";
import { SLIRP } from "./types.ts";

export interface SlirpStart {
  project: string;
  /** host pid of the holder: slirp4netns joins its user and network namespaces */
  holderPid: number;
  /** make and configure tap0 (it does not exist yet) */
  configure: boolean;
  apiSocket?: string;
  hostLoopback: boolean;
  logPath: string;
}

export async function startSlirp(o: SlirpStart): Promise<{ pid: number; start: number | undefined }> {
  // a dead slirp4netns leaves its socket file behind, and a new one cannot bind over it
  if (o.apiSocket) rmSync(o.apiSocket, { force: true });
  const argv = [
    "slirp4netns",
    ...(o.configure ? ["--configure"] : []),
    `--mtu=${SLIRP.mtu}`,
    ...(o.hostLoopback ? [] : ["--disable-host-loopback"]),
    ...(o.apiSocket ? ["--api-socket", o.apiSocket] : []),
    "-r",
    "3",
    String(o.holderPid),
    "tap0",
  ];
  const slirp = spawnDetached(argv, o.logPath, true);
  const ready = await new Promise<boolean>((resolve) => {
    const fd3 = slirp.stdio[3] as NodeJS.ReadableStream | null;
    const timer = setTimeout(() => resolve(false), 10_000);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    if (!fd3) return done(false);
    fd3.once("data", () => done(true));
    fd3.once("end", () => done(false));
    slirp.once("exit", () => done(false));
  });
  (slirp.stdio[3] as unknown as { destroy?: () => void } | null)?.destroy?.();
  if (!ready || !slirp.pid) {
    if (slirp.pid) signalProcess(slirp.pid, "SIGKILL");
    const why = driverLogTail(o.logPath);
    throw new RuntimeFailure(`namespace "${o.project}": slirp4netns failed to start${why ? `: ${why}` : ""}`, {
      hint: "run `kitten doctor`: /dev/net/tun must be mode 0666",
    });
  }
  return { pid: slirp.pid, start: processStartTime(slirp.pid) };
}
