/** Detached helper processes of a namespace (driver, slirp4netns), their output in the driver's log. */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

export function spawnDetached(argv: string[], logPath: string, extraFd = false) {
  const log = openSync(logPath, "a");
  try {
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: extraFd ? ["ignore", log, log, "pipe"] : ["ignore", log, log],
      env: process.env,
    });
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/** The last lines of the driver's log that explain a failure (rootlesskit's warnings left out). */
export function driverLogTail(path: string): string {
  try {
    const lines = readFileSync(path, "utf8").trim().split("\n").filter((l) => !/level=warning/.test(l));
    return lines.slice(-3).join("; ");
  } catch {
    return "";
  }
}
