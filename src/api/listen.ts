/**
 * Where `kitten serve` listens: the unix socket path (default $XDG_RUNTIME_DIR/kitten/kitten.sock,
 * podman's layout) and the optional TCP address of --listen, refused when it is not a loopback
 * address unless --insecure-listen says the user means it. moby warns that binding TCP without TLS
 * "gives root access" and is moving to a hard failure; kitten fails hard from the start.
 */
import { join } from "node:path";
import { InvalidInputError } from "../core/errors.ts";
import type { KittenPaths } from "../core/paths.ts";

export function defaultSocket(paths: KittenPaths): string {
  return join(paths.runtime, "kitten.sock");
}

export interface TcpAddress {
  hostname: string;
  port: number;
  loopback: boolean;
}

export function parseListen(value: string): TcpAddress {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:\s/]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new InvalidInputError(`--listen must be HOST:PORT, not "${value}"`, { code: "bad_flag", hint: "e.g. --listen 127.0.0.1:8080 (port 0 picks a free port)" });
  }
  const hostname = m[1]!.toLowerCase();
  const loopback = hostname === "localhost" || hostname === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
  return { hostname, port, loopback };
}

/** The address, or a refusal of a non-loopback one without --insecure-listen. */
export function checkListen(value: string, insecure: boolean): TcpAddress {
  const addr = parseListen(value);
  if (!addr.loopback && !insecure) {
    throw new InvalidInputError(`refusing to listen on ${value}: it is not a loopback address, and the API can start any container as you`, {
      code: "insecure_listen",
      hint: "listen on 127.0.0.1 and reach it through an SSH tunnel, or add --insecure-listen if every machine that can reach it may run containers as you",
    });
  }
  return addr;
}

/** The URL browsers use (a name they resolve to loopback, with IPv6 in brackets). */
export function tcpUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}
