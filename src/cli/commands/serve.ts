/**
 * `kitten serve [--listen 127.0.0.1:8080] [--socket PATH] [--allow-host NAME]`: the Kitten API, the
 * REST API under /v1 and the web UI, on a unix socket (0600) and optionally TCP. `kitten serve --url`
 * asks a running server for a one-time sign-in link instead.
 */
import { defineCommand } from "citty";
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { repeated } from "../args.ts";
import pkg from "../../../package.json" with { type: "json" };

const FLAGS = new Set(["--listen", "--insecure-listen", "--socket", "--allow-host", "--url"]);
const VALUED = new Set(["--listen", "--socket", "--allow-host"]);

/** citty ignores flags it does not know; a server must not silently drop one (--insecure-listn). */
function checkFlags(rawArgs: string[]): void {
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    const name = arg.split("=")[0]!;
    if (!arg.startsWith("-")) throw new InvalidInputError(`serve takes no arguments, got "${arg}"`, { code: "bad_usage", hint: "kitten serve --help lists its flags" });
    if (!FLAGS.has(name)) throw new InvalidInputError(`unknown flag ${name}`, { code: "bad_flag", hint: "kitten serve --help lists its flags" });
    if (VALUED.has(name) && !arg.includes("=")) {
      if (i + 1 >= rawArgs.length) throw new InvalidInputError(`${name} needs a value`, { code: "bad_flag" });
      i++;
    }
  }
}

export default defineCommand({
  meta: { name: "serve", description: "serve the Kitten API, the REST API and the web UI (unix socket; --listen adds TCP)" },
  args: {
    listen: { type: "string", description: "also listen on TCP HOST:PORT, e.g. 127.0.0.1:8080 (loopback only without --insecure-listen)" },
    "insecure-listen": { type: "boolean", description: "allow --listen on a non-loopback address (anyone who can reach it may run containers as you)" },
    socket: { type: "string", description: "the unix socket (default $XDG_RUNTIME_DIR/kitten/kitten.sock)" },
    "allow-host": { type: "string", description: "also accept this Host name on TCP, besides localhost and loopback addresses (repeatable)" },
    url: { type: "boolean", description: "print a one-time sign-in link from the running server, and exit" },
  },
  async run({ args, rawArgs }) {
    checkFlags(rawArgs);
    const paths = kittenPaths();
    const { defaultSocket } = await import("../../api/listen.ts");
    const socket = args.socket ?? defaultSocket(paths);
    if (args.url) {
      let res: Response;
      try {
        res = await fetch("http://localhost/v1/session/links", { method: "POST", unix: socket } as RequestInit);
      } catch {
        throw new RuntimeFailure(`no kitten serve answers on ${socket}`, { code: "not_serving", hint: "start it with kitten serve --listen 127.0.0.1:8080" });
      }
      const body = (await res.json()) as { url?: string; error?: string; hint?: string };
      if (!res.ok) throw new RuntimeFailure(body.error ?? `the server answered ${res.status}`, { ...(body.hint ? { hint: body.hint } : {}) });
      process.stdout.write(`${body.url}\n`);
      return 0;
    }
    const { startServer } = await import("../../api/server.ts");
    const server = await startServer({
      paths,
      cwd: process.cwd(),
      version: pkg.version,
      socket,
      ...(args.listen ? { listen: args.listen } : {}),
      insecureListen: Boolean(args["insecure-listen"]),
      allowHosts: repeated(rawArgs, ["--allow-host"]),
    });
    const err = process.stderr;
    err.write(`kitten serve ${pkg.version}: unix socket ${server.socket}\n`);
    if (server.url) {
      err.write(`kitten serve: ${server.url} (API token: ${server.tokenSource === "env" ? "KITTEN_API_TOKEN" : `${paths.config}/api-token`})\n`);
      if (args["insecure-listen"]) err.write("warning: listening beyond this machine without TLS: anyone who can reach the port and has the token can run containers as you\n");
      // the one-time link only to a terminal: a log (journald) keeps lines, and the link would sit there
      if (process.stderr.isTTY) err.write(`web UI: ${server.url}/login?token=${server.ctx.auth.link().secret}\n`);
      else err.write("web UI: run `kitten serve --url` for a one-time sign-in link\n");
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.stop();
    return 0;
  },
});
