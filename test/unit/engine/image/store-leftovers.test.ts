/** Leftovers of dead store writers are found by their owner's pid; live ones are never touched (#14). */
import { afterAll, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flock, LOCK_EX, LOCK_UN } from "../../../../src/core/flock.ts";
import { closeStateDbs } from "../../../../src/engine/state/db.ts";
import { ImageStore } from "../../../../src/engine/image/store.ts";

const root = mkdtempSync(join(tmpdir(), "kitten-leftovers-"));
afterAll(() => {
  closeStateDbs();
  rmSync(root, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const p = Bun.spawn(["true"]);
  await p.exited;
  return p.pid;
}

test("temp files and unpack dirs of a dead writer are stale at any age, a live writer's never", async () => {
  const store = new ImageStore({ data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") });
  store.ensureDirs();
  const dead = await deadPid();
  const deadImport = join(store.tmpDir, `import.${dead}.abcd1234`);
  const liveImport = join(store.tmpDir, `import.${process.pid}.abcd1234`);
  const deadStaging = join(store.tmpDir, `staging.${dead}.zz99`);
  mkdirSync(deadStaging);
  writeFileSync(join(deadStaging, "0"), "x");
  for (const f of [deadImport, liveImport]) writeFileSync(f, "partial");
  const deadTree = join(store.layersDir, `.tmp-import-${dead}-q1w2e3`);
  const liveTree = join(store.layersDir, `.tmp-0123456789ab-${process.pid}-q1w2e3`);
  for (const d of [deadTree, liveTree]) mkdirSync(d);
  // an ingest being written (flocked), a fresh unheld one (a download broken a minute ago), an old one
  const held = join(store.tmpDir, `ingest-${"a".repeat(64)}`);
  const fresh = join(store.tmpDir, `ingest-${"b".repeat(64)}`);
  const old = join(store.tmpDir, `ingest-${"c".repeat(64)}`);
  for (const f of [held, fresh, old]) writeFileSync(f, "part");
  const twoDaysAgo = (Date.now() - 48 * 3600_000) / 1000;
  utimesSync(old, twoDaysAgo, twoDaysAgo);
  utimesSync(held, twoDaysAgo, twoDaysAgo);
  const fd = openSync(held, "r");
  flock(fd, LOCK_EX);
  try {
    const forPull = store.leftovers({ ingests: "old" });
    expect(forPull.files.sort()).toEqual([deadImport, deadStaging, old].sort());
    expect(forPull.trees).toEqual([deadTree]);
    const forPrune = store.leftovers({ ingests: "unheld" });
    expect(forPrune.files.sort()).toEqual([deadImport, deadStaging, fresh, old].sort());
    // the next writer removes the files (trees go through the unpack namespace)
    rmSync(deadTree, { recursive: true });
    await store.cleanLeftovers();
    expect([deadImport, deadStaging, old].map(existsSync)).toEqual([false, false, false]);
    expect([liveImport, held, fresh, liveTree].map(existsSync)).toEqual([true, true, true, true]);
  } finally {
    flock(fd, LOCK_UN);
    closeSync(fd);
  }
});
