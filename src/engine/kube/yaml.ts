/**
 * Objects as YAML, one per document — the form kubectl, podman and kustomize read — and back.
 * Strings that YAML 1.1 would read as something else ("yes", "0755", "8080:80") are quoted:
 * podman's decoder (Go's yaml.v2, YAML 1.1) fails the whole play on `command: [true]`
 * (research/kube.md §3).
 */
import { parseAllDocuments, stringify } from "yaml";
import { InvalidInputError } from "../../core/errors.ts";
import type { KubeObject } from "./objects.ts";

export function toYamlDocuments(objects: KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false, version: "1.1" })}`).join("");
}

/** Every non-empty document of a multi-document YAML (or JSON) text, with `kind: List` flattened. */
export function parseYamlDocuments(text: string, file: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      throw new InvalidInputError(err.message.split("\n")[0]!, { location: { file, line: err.linePos?.[0]?.line, col: err.linePos?.[0]?.col } });
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const line = doc.contents?.range ? lineOf(text, doc.contents.range[0]) : undefined;
    for (const item of flatten(value)) {
      if (!isObject(item) || typeof item.kind !== "string" || typeof item.apiVersion !== "string") {
        throw new InvalidInputError("not a Kubernetes object: it needs apiVersion and kind", { location: { file, line } });
      }
      const meta = item.metadata;
      if (!isObject(meta) || typeof meta.name !== "string" || meta.name === "") {
        throw new InvalidInputError(`${item.kind} without metadata.name`, { location: { file, line }, hint: "every object needs a name" });
      }
      out.push(item as KubeObject);
    }
  }
  return out;
}

function flatten(value: unknown): unknown[] {
  if (isObject(value) && typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)) return value.items.flatMap(flatten);
  return [value];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
