/**
 * Cache keys of filesystem steps, as BuildKit keys its ops (research/build.md §3.1, §10): the
 * parent's key (a chain back to the base image's id), then the step's definition with every
 * variable already expanded — RUN: argv, environment (in-scope ARGs included, undeclared proxy
 * args left out), user, workdir, network, mounts (cache ids, bind sources by content or stage
 * key; secrets by id only, never by value); COPY/ADD: flags, destination and the content key of
 * the selected sources. Canonical JSON, sha256. Pure.
 */

function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

export function stepKey(parent: string, definition: unknown): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(`${parent}\n${canonical(definition)}`).digest("hex")}`;
}

/** The key a stage starts from: its base image's id, or scratch. */
export function baseKey(base: { type: "scratch" } | { type: "image"; id: string; platform: string }): string {
  return base.type === "scratch" ? "scratch" : `image:${base.id}:${base.platform}`;
}
