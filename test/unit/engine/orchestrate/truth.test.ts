import { expect, test } from "bun:test";
import { overlayTruth } from "../../../../src/engine/orchestrate/truth.ts";
import type { ContainerRecord } from "../../../../src/engine/state/project-store.ts";
import type { ContainerState } from "../../../../src/engine/runtime/types.ts";

const rec = (name: string, status: ContainerRecord["status"], extra: Partial<ContainerRecord> = {}): ContainerRecord => ({
  name,
  project: "p",
  service: name,
  replica: 1,
  image: "i",
  status,
  restarts: 2,
  health: "none",
  manualStop: false,
  ...extra,
});
const st = (name: string, status: ContainerState["status"], extra: Partial<ContainerState> = {}): ContainerState => ({ name, project: "p", image: "i", status, ...extra });

test("a container recorded up that the runtime sees exited shows as exited, with its code, note and restarts", () => {
  const [a] = overlayTruth([rec("a", "running", { pid: 7 })], [st("a", "exited", { exitCode: 137, finishedAt: "2026-01-01T00:00:00Z", note: "killed with its namespace" })]);
  expect(a).toEqual(rec("a", "exited", { exitCode: 137, finishedAt: "2026-01-01T00:00:00Z", note: "killed with its namespace" }));
});

test("a running container whose monitor is gone keeps running, with a note", () => {
  const [a] = overlayTruth([rec("a", "running")], [st("a", "running", { note: "its monitor (conmon) is gone" })]);
  expect(a).toEqual(rec("a", "running", { note: "its monitor (conmon) is gone" }));
});

test("leaves records the runtime agrees with, restarting ones and unknown ones alone", () => {
  const rows = [rec("a", "running"), rec("b", "restarting", { exitCode: 1 }), rec("c", "exited", { exitCode: 0 }), rec("d", "running")];
  expect(overlayTruth(rows, [st("a", "running"), st("b", "exited", { exitCode: 1 }), st("c", "exited", { exitCode: 0 })])).toEqual(rows);
});
