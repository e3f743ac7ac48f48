/**
 * A compose project's volumes (compose-spec volumes.md, docker compose create/down): before its
 * containers, `up` makes each named volume its services use under its name (`<project>_<key>`,
 * or `name:` as it is), labelled with the project; an external one must exist already. `down -v`
 * removes the volumes the project made (named and anonymous, found by label), never external
 * ones or one another project made.
 */
import { InvalidInputError } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { Project } from "../compose/model.ts";
import { adoptBareKey } from "./bare-key.ts";
import { cleanupAliases, dropVolume, listVolumes, type VolumeSummary } from "./manage.ts";
import { VOLUME_LABELS } from "./names.ts";
import type { TreeRemover } from "./remove-tree.ts";
import { VolumeStore } from "./store.ts";

/** The volume keys the project's services mount, sorted. */
export function usedVolumeKeys(project: Project, services?: string[]): string[] {
  const keys = new Set<string>();
  for (const [name, s] of Object.entries(project.services)) {
    if (services?.length && !services.includes(name)) continue;
    for (const m of s.volumes ?? []) if (m.type === "volume" && m.source && Object.hasOwn(project.volumes, m.source)) keys.add(m.source);
  }
  return [...keys].sort();
}

/** Makes (or finds) every volume the project's services use; external ones must exist. */
export function ensureProjectVolumes(paths: KittenPaths, project: Project, reporter: Reporter): void {
  const store = new VolumeStore(paths);
  cleanupAliases(paths);
  for (const key of usedVolumeKeys(project)) {
    const v = project.volumes[key]!;
    if (v.driver !== undefined && v.driver !== "local") {
      throw new InvalidInputError(`volume "${key}": driver "${v.driver}" is not supported`, { code: "bad_volume_driver", hint: "remove driver: (kitten has the local driver only)" });
    }
    const existing = store.get(v.name);
    if (v.external) {
      // docker compose's wording, so searches for the message find the answer
      if (!existing) throw new InvalidInputError(`volume "${v.name}" declared as external, but could not be found`, { code: "external_volume_missing", hint: `create it first: kitten volume create ${v.name}` });
      continue;
    }
    const labels = { ...v.labels, [VOLUME_LABELS.project]: project.name, [VOLUME_LABELS.volume]: key };
    if (existing?.registered) {
      const owner = existing.labels[VOLUME_LABELS.project];
      if (owner === undefined) {
        reporter.emit({ type: "warning", message: `volume "${v.name}" already exists but was not created by a kitten project. Use \`external: true\` to use an existing volume` });
      } else if (owner !== project.name) {
        reporter.emit({ type: "warning", message: `volume "${v.name}" already exists but was created for project "${owner}" (expected "${project.name}"). Use \`external: true\` to use an existing volume` });
      }
      continue;
    }
    if (existing) {
      // a directory an earlier kitten made under this very name (explicit name:): it becomes the project's
      store.register(v.name, labels);
      reporter.emit({ type: "info", message: `volume "${v.name}": adopted the directory an earlier kitten made for it` });
      continue;
    }
    const outcome = adoptBareKey(paths, store, project.name, key, v.name, labels);
    if (outcome.kind === "adopted") {
      reporter.emit({ type: "warning", message: outcome.notice });
      continue;
    }
    store.create(v.name, labels);
    reporter.emit({ type: "info", message: `volume ${v.name} created` });
  }
}

/**
 * `docker compose volumes [SERVICE...]`: the volumes the project made (by label), or, given the
 * project model, those its (named) services use — named ones by their names, including external
 * ones, and the anonymous ones their containers made.
 */
export function projectVolumes(paths: KittenPaths, project: string, o: { model?: Project; services?: string[] } = {}): VolumeSummary[] {
  if (!o.model) return listVolumes(paths, { label: [`${VOLUME_LABELS.project}=${project}`] });
  const model = o.model;
  const names = new Set(usedVolumeKeys(model, o.services).map((k) => model.volumes[k]!.name));
  return listVolumes(paths).filter((v) => {
    if (names.has(v.name)) return true;
    if (v.project !== project || !v.anonymous) return false;
    const service = v.labels[VOLUME_LABELS.service];
    return !o.services?.length || (service !== undefined && o.services.includes(service));
  });
}

/**
 * `down -v`: removes every volume labelled with the project — named and anonymous — that no
 * container still uses (a container of another project mounting it keeps it, with a warning).
 */
export async function removeProjectVolumes(paths: KittenPaths, project: string, reporter: Reporter, remover?: TreeRemover): Promise<string[]> {
  const store = new VolumeStore(paths);
  const removed: string[] = [];
  for (const v of projectVolumes(paths, project)) {
    if (v.containers.length > 0) {
      reporter.emit({ type: "warning", message: `volume "${v.name}" is kept: container ${v.containers.join(", ")} still uses it` });
      continue;
    }
    await dropVolume(paths, store, v.name, remover);
    removed.push(v.name);
    reporter.emit({ type: "info", message: `volume ${v.name} removed` });
  }
  return removed;
}
