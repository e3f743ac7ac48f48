import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tryFileLock } from "../../../../src/core/file-lock.ts";
import { writeFileSync } from "node:fs";
import { claimSupervision, socketAnswers, supervisorRuns } from "../../../../src/engine/supervisor/claim.ts";
import { systemClock } from "../../../../src/engine/supervisor/clock.ts";

const dir = mkdtempSync(join(tmpdir(), "kitten-claim-"));
afterEach(() => rmSync(join(dir, "sup.lock"), { force: true }));

test("takes the free lock at once and says who holds it", async () => {
  const lock = await claimSupervision(join(dir, "sup.lock"), "supervisor", systemClock, 1000);
  expect(lock).toBeDefined();
  expect(tryFileLock(join(dir, "sup.lock"))).toBeUndefined();
  expect(supervisorRuns(join(dir, "sup.lock"))).toBe(true);
  lock!.release();
  expect(supervisorRuns(join(dir, "sup.lock"))).toBe(false);
});

test("leaves it to a supervisor that holds the lock", async () => {
  const held = (await claimSupervision(join(dir, "sup.lock"), "supervisor", systemClock, 1000))!;
  const start = Date.now();
  expect(await claimSupervision(join(dir, "sup.lock"), "exit", systemClock, 5000)).toBeUndefined();
  expect(Date.now() - start).toBeLessThan(4000);
  held.release();
});

test("waits for a brief holder that is no supervisor (an exit command deciding), even under a killed supervisor's stale name", async () => {
  const held = (await claimSupervision(join(dir, "sup.lock"), "exit", systemClock, 1000))!;
  // what a supervisor killed with -9 leaves in the file
  writeFileSync(join(dir, "sup.lock"), `supervisor ${Bun.spawnSync(["true"]).pid}\n`);
  setTimeout(() => held.release(), 100);
  const lock = await claimSupervision(join(dir, "sup.lock"), "supervisor", systemClock, 2000);
  expect(lock).toBeDefined();
  lock!.release();
});

test("tells a listening socket from a dead one", async () => {
  const path = join(dir, "s.sock");
  const server = Bun.listen({ unix: path, socket: { data() {} } });
  expect(await socketAnswers(path)).toBe(true);
  server.stop(true);
  expect(await socketAnswers(path)).toBe(false);
  expect(await socketAnswers(join(dir, "none.sock"))).toBe(false);
});
