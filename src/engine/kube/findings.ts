/**
 * What export could not carry over exactly: every compose key that was dropped or approximated,
 * by service — printed as a table on stderr, never a silent drop (the complaint against kompose
 * and Compose Bridge, research/kube.md §1, §2). Play reports unsupported kinds and fields the
 * same way.
 */
export type Treatment = "dropped" | "approximated";

export interface Finding {
  /** "service web", "network back", "volume data", "Deployment web", "kind Ingress" */
  subject: string;
  /** the key as written in the source: "stop_signal", "deploy.resources.limits.pids", "spec.affinity" */
  key: string;
  treatment: Treatment;
  detail: string;
}

export class Findings {
  readonly list: Finding[] = [];
  private readonly seen = new Set<string>();

  add(subject: string, key: string, treatment: Treatment, detail: string): void {
    const id = `${subject}\0${key}\0${detail}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.list.push({ subject, key, treatment, detail });
  }
  dropped(subject: string, key: string, detail: string): void {
    this.add(subject, key, "dropped", detail);
  }
  approximated(subject: string, key: string, detail: string): void {
    this.add(subject, key, "approximated", detail);
  }
  sorted(): Finding[] {
    return [...this.list].sort((a, b) => a.subject.localeCompare(b.subject) || a.key.localeCompare(b.key));
  }
}
