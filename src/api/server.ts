/**
 * `kitten serve` as a library: one app behind the unix socket (0600 in its 0700 directory) and, with
 * --listen, a TCP listener. The server keeps no state of its own that containers depend on —
 * projects live in the state store and their supervisors — so it can stop and start again at any
 * time without a container noticing (kitten stays daemonless).
 */
import { chmodSync, existsSync, lstatSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { ensureDir, type KittenPaths } from "../core/paths.ts";
import { InvalidInputError, RuntimeFailure } from "../core/errors.ts";
import { openStateDb } from "../engine/state/db.ts";
import { ProjectStore } from "../engine/state/project-store.ts";
import { createApp } from "./app.ts";
import { Auth, loadToken } from "./auth.ts";
import { defaultDeps, realEngine, type ApiContext, type ApiEngine, type Listener } from "./context.ts";
import { Jobs } from "./jobs.ts";
import { checkListen, defaultSocket, tcpUrl } from "./listen.ts";

export interface ServeOptions {
  paths: KittenPaths;
  cwd: string;
  version: string;
  socket?: string;
  listen?: string;
  insecureListen?: boolean;
  allowHosts?: string[];
  env?: Record<string, string | undefined>;
  engine?: ApiEngine;
  bodyLimit?: number;
  pingMs?: number;
}

export interface RunningServer {
  socket: string;
  url?: string;
  tokenSource?: "env" | "file";
  ctx: ApiContext;
  stop(): Promise<void>;
}

/** Sockets are limited to 108 bytes of path (sun_path). */
const MAX_SOCKET_PATH = 107;

async function socketAnswers(path: string): Promise<boolean> {
  try {
    const res = await fetch("http://localhost/health", { unix: path, signal: AbortSignal.timeout(2000) } as RequestInit);
    return res.ok;
  } catch {
    return false;
  }
}

export function apiContext(o: ServeOptions, auth: Auth): ApiContext {
  let store: ProjectStore | undefined;
  return {
    paths: o.paths,
    store: () => (store ??= new ProjectStore(openStateDb(o.paths))),
    engine: o.engine ?? realEngine,
    deps: defaultDeps(o.paths, o.cwd),
    cwd: o.cwd,
    auth,
    jobs: new Jobs(),
    allowedHosts: o.allowHosts ?? [],
    bodyLimit: o.bodyLimit ?? 1 << 20,
    pingMs: o.pingMs ?? 15_000,
    version: o.version,
  };
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const tcp = o.listen === undefined ? undefined : checkListen(o.listen, o.insecureListen ?? false);
  const socket = o.socket ?? defaultSocket(o.paths);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) throw new InvalidInputError(`socket path ${socket} is longer than ${MAX_SOCKET_PATH} bytes`, { code: "bad_flag", hint: "use a shorter --socket path" });
  const token = tcp ? loadToken(o.paths, o.env ?? process.env) : undefined;
  const auth = new Auth(token?.token ?? crypto.randomUUID() + crypto.randomUUID());
  const ctx = apiContext(o, auth);
  const { app } = createApp(ctx);

  ensureDir(dirname(socket));
  if (existsSync(socket)) {
    if (await socketAnswers(socket)) throw new RuntimeFailure(`kitten serve is already running on ${socket}`, { code: "already_serving", hint: "stop it first, or give this one another --socket" });
    if (!lstatSync(socket).isSocket()) throw new RuntimeFailure(`${socket} exists and is not a socket`, { hint: "remove it, or use another --socket" });
    rmSync(socket); // left by a server that died
  }
  const handler = (listener: Listener) => (req: Request, server: { timeout(req: Request, s: number): void }) => app.fetch(req, { listener, server });
  // the socket is made 0600 before anyone can connect: the umask applies when bind() creates it
  const umask = process.umask(0o177);
  let unixServer;
  try {
    unixServer = Bun.serve({ unix: socket, fetch: handler("unix"), maxRequestBodySize: ctx.bodyLimit * 4 });
  } finally {
    process.umask(umask);
  }
  chmodSync(socket, 0o600);

  let tcpServer: ReturnType<typeof Bun.serve> | undefined;
  if (tcp) {
    try {
      tcpServer = Bun.serve({ hostname: tcp.hostname, port: tcp.port, fetch: handler("tcp"), maxRequestBodySize: ctx.bodyLimit * 4, idleTimeout: 60 });
    } catch (err) {
      unixServer.stop(true);
      rmSync(socket, { force: true });
      throw new RuntimeFailure(`cannot listen on ${o.listen}: ${err instanceof Error ? err.message : String(err)}`, { code: "listen_failed", hint: "pick another port" });
    }
    ctx.tcpUrl = tcpUrl(tcp.hostname === "0.0.0.0" || tcp.hostname === "::" ? "127.0.0.1" : tcp.hostname, tcpServer.port ?? tcp.port);
  }
  return {
    socket,
    ...(ctx.tcpUrl ? { url: ctx.tcpUrl } : {}),
    ...(token ? { tokenSource: token.source } : {}),
    ctx,
    async stop() {
      // a spawn still starting finishes its `up` first (its containers would start anyway: the supervisor runs them)
      await Promise.race([Promise.allSettled(ctx.jobs.running()), Bun.sleep(10_000)]);
      await Promise.all([unixServer.stop(true), tcpServer?.stop(true)]);
      rmSync(socket, { force: true });
    },
  };
}
