import { describe, expect, test } from "bun:test";
import { liveStatus } from "../../../src/cli/render/live-status.ts";

describe("live status", () => {
  test("off a terminal prints one plain line per event", () => {
    const out: string[] = [];
    const r = liveStatus((s) => out.push(s), false);
    r.emit({ type: "container", action: "start", container: "demo-db-1", service: "db" });
    r.emit({ type: "progress", id: "api", action: "waiting for db" });
    expect(out).toEqual(["container demo-db-1 start\n", "api: waiting for db\n"]);
  });

  test("on a terminal redraws one line per container in place, replacing a service's waiting line", () => {
    const out: string[] = [];
    const r = liveStatus((s) => out.push(s), true);
    r.emit({ type: "progress", id: "api", action: "waiting for db" });
    r.emit({ type: "container", action: "create", container: "demo-api-1", service: "api" });
    expect(out.join("")).toBe(
      `  ${"api".padEnd(24)} waiting for db\n` + `\x1b[1A\x1b[J` + `  ${"demo-api-1".padEnd(24)} create\n`,
    );
  });

  test("warnings scroll above the status block", () => {
    const out: string[] = [];
    const r = liveStatus((s) => out.push(s), true, true);
    r.emit({ type: "container", action: "start", container: "c" });
    r.emit({ type: "warning", message: "careful" });
    expect(out.slice(1).join("")).toBe(`\x1b[1A\x1b[J\x1b[33mwarning:\x1b[0m careful\n  ${"c".padEnd(24)} start\n`);
  });
});
