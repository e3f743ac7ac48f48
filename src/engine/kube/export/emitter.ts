/**
 * Collects the exported objects: every one gets the namespace and the common labels (part-of,
 * managed-by, the ApplySet id), and two objects of one kind never share a name — a second,
 * different object with a taken name is renamed with a hash suffix and reported, instead of one
 * silently replacing the other when applied.
 */
import type { KubeObject } from "../objects.ts";
import { ANNOTATION_SERVICE, commonLabels } from "../labels.ts";
import { dnsLabel } from "../names.ts";

export class Emitter {
  readonly objects: KubeObject[] = [];
  private readonly byKey = new Map<string, KubeObject>();

  constructor(
    private readonly project: string,
    private readonly namespace: string,
    private readonly applySet: string,
  ) {}

  has(kind: string, name: string): boolean {
    return this.byKey.has(`${kind}/${name}`);
  }

  /** Adds an object (typed as any kubernetes-types kind); returns the name it got. */
  object<T extends { kind?: string; metadata?: { name?: string } }>(object: T, service: string | undefined): string {
    const o = structuredClone(object) as unknown as KubeObject;
    const labels = { ...(o.metadata.labels ?? {}), ...commonLabels(this.project, this.applySet) };
    const annotations = { ...(o.metadata.annotations ?? {}), ...(service !== undefined ? { [ANNOTATION_SERVICE]: service } : {}) };
    // name, namespace, labels, annotations first: the order people read metadata in
    const { name, ...rest } = o.metadata;
    o.metadata = { name, namespace: this.namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}), ...rest };
    o.metadata.namespace = this.namespace;
    o.metadata.labels = labels;
    if (Object.keys(annotations).length) o.metadata.annotations = annotations;
    const key = `${o.kind}/${o.metadata.name}`;
    const have = this.byKey.get(key);
    if (have) {
      if (JSON.stringify(have) === JSON.stringify(o)) return o.metadata.name;
      o.metadata.name = dnsLabel(o.metadata.name.slice(0, 50), String(this.objects.length));
    }
    this.byKey.set(`${o.kind}/${o.metadata.name}`, o);
    this.objects.push(o);
    return o.metadata.name;
  }
}
