import { expect, test } from "bun:test";
import { AGENT_OPS } from "../../../../src/engine/runtime/agent-protocol.ts";

test("fills the create request's defaults and refuses an id that could escape a path", () => {
  const req = AGENT_OPS.create.request.parse({ id: "abc123", runtime: "runc", containerDir: "/d/c", lowerDirs: ["/l"], name: "web" });
  expect(req).toMatchObject({ volumes: [], terminal: false, monitor: true });
  expect(() => AGENT_OPS.create.request.parse({ id: "../x", runtime: "runc", containerDir: "/d", lowerDirs: ["/l"], name: "x" })).toThrow();
  expect(() => AGENT_OPS.create.request.parse({ id: "a", runtime: "docker", containerDir: "/d", lowerDirs: ["/l"], name: "x" })).toThrow();
  expect(() => AGENT_OPS.create.request.parse({ id: "a", runtime: "runc", containerDir: "/d", lowerDirs: [], name: "x" })).toThrow();
});

test("defaults kill to SIGTERM of the init process only", () => {
  expect(AGENT_OPS.kill.request.parse({ id: "a", runtime: "runc" })).toEqual({ id: "a", runtime: "runc", signal: "TERM", all: false });
});

test("describes every operation with a request and a response schema", () => {
  expect(Object.keys(AGENT_OPS).sort()).toEqual(["bridge", "create", "delete", "exec", "kill", "net", "pause", "ping", "resume", "rmtree", "smoke", "spawn", "start", "state"]);
});
