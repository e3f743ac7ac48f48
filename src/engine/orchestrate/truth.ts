/**
 * What `ps` shows is the truth even when no supervisor watched: the records (restarts, health,
 * manual stops) overlaid with what the runtime sees right now — a container that died
 * unrecorded is exited, with its code when conmon wrote it and a note when nobody could (its
 * monitor was killed, or its namespace's holder died). Pure; nothing is written back, so a
 * read-only command changes nothing (issue #13).
 */
import type { ContainerState } from "../runtime/types.ts";
import type { ContainerRecord } from "../state/project-store.ts";

export function overlayTruth(rows: ContainerRecord[], states: ContainerState[]): ContainerRecord[] {
  const byName = new Map(states.map((s) => [s.name, s]));
  return rows.map((r) => {
    const st = byName.get(r.name);
    if (!st) return r;
    const recordedUp = r.status === "running" || r.status === "paused";
    if (recordedUp && (st.status === "exited" || st.status === "dead")) {
      const { pid: _, ...rest } = r;
      return {
        ...rest,
        status: st.status,
        ...(st.exitCode === undefined ? {} : { exitCode: st.exitCode }),
        ...(st.finishedAt ? { finishedAt: st.finishedAt } : {}),
        ...(st.note ? { note: st.note } : {}),
      };
    }
    if (recordedUp && st.note && st.note !== r.note) return { ...r, note: st.note };
    return r;
  });
}
