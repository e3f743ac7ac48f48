import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tryFileLock } from "../../../../src/core/file-lock.ts";
import { claimSupervision, socketAnswers } from "../../../../src/engine/supervisor/claim.ts";
import { systemClock } from "../../../../src/engine/supervisor/clock.ts";

const dir = mkdtempSync(join(tmpdir(), "kitten-claim-"));
afterEach(() => rmSync(join(dir, "sup.lock"), { force: true }));

test("takes the free lock at once", async () => {
  const lock = await claimSupervision(join(dir, "sup.lock"), async () => false, systemClock, 1000);
  expect(lock).toBeDefined();
  expect(tryFileLock(join(dir, "sup.lock"))).toBeUndefined();
  lock!.release();
});

test("leaves it to a supervisor that holds the lock and answers", async () => {
  const held = tryFileLock(join(dir, "sup.lock"))!;
  expect(await claimSupervision(join(dir, "sup.lock"), async () => true, systemClock, 1000)).toBeUndefined();
  held.release();
});

test("waits for a brief holder that is no supervisor (an exit command deciding)", async () => {
  const held = tryFileLock(join(dir, "sup.lock"))!;
  setTimeout(() => held.release(), 100);
  const lock = await claimSupervision(join(dir, "sup.lock"), async () => false, systemClock, 2000);
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
