/**
 * The dependency graph of a project's services (depends_on), in levels: every service of a
 * level has all its dependencies in earlier levels, so the services of one level can start in
 * parallel (docker compose starts them the same way, level by level). Pure, no I/O.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { didYouMeanHint } from "../../core/suggest.ts";
import type { Service } from "../compose/model.ts";

type Graph = Record<string, Pick<Service, "depends_on">>;

/**
 * Levels of service names, each level sorted. A dependency on a service that is not in
 * `services` is an error, unless it is `required: false` (compose-spec: an optional dependency
 * that is absent — disabled by a profile, or left out of the selection — is skipped).
 * Throws InvalidInputError naming the cycle (`dependency cycle: api -> web -> api`) or the
 * unknown service, with a did-you-mean hint.
 */
export function dependencyLevels(services: Graph): string[][] {
  const deps = presentDependencies(services);
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [name, ds] of deps) {
    remaining.set(name, ds.length);
    for (const d of ds) {
      const list = dependents.get(d);
      if (list) list.push(name);
      else dependents.set(d, [name]);
    }
  }
  const levels: string[][] = [];
  let current = [...remaining].filter(([, n]) => n === 0).map(([name]) => name);
  let placed = 0;
  while (current.length > 0) {
    current.sort();
    levels.push(current);
    placed += current.length;
    const next: string[] = [];
    for (const name of current) {
      for (const dependent of dependents.get(name) ?? []) {
        const left = remaining.get(dependent)! - 1;
        remaining.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    current = next;
  }
  if (placed < deps.size) {
    const stuck = new Set([...remaining].filter(([, n]) => n > 0).map(([name]) => name));
    const cycle = findCycle(stuck, deps);
    throw new InvalidInputError(`dependency cycle: ${cycle.join(" -> ")}`, {
      code: "dependency_cycle",
      hint: `remove one of these depends_on entries to break the cycle`,
    });
  }
  return levels;
}

/** Levels for stopping a project: dependents before their dependencies (`down`). */
export function reverseLevels(levels: string[][]): string[][] {
  return levels.map((level) => [...level]).reverse();
}

/** Each service's dependencies that are present, validating the absent ones. */
function presentDependencies(services: Graph): Map<string, string[]> {
  const names = Object.keys(services);
  const result = new Map<string, string[]>();
  for (const name of names.sort()) {
    const present: string[] = [];
    for (const [dep, cond] of Object.entries(services[name]!.depends_on ?? {})) {
      if (Object.hasOwn(services, dep)) {
        present.push(dep);
        continue;
      }
      if (cond.required === false) continue;
      throw new InvalidInputError(`service "${name}" depends on unknown service "${dep}"`, {
        code: "unknown_dependency",
        hint: didYouMeanHint(dep, names) ?? `the services are: ${listed(names)}`,
      });
    }
    result.set(name, present.sort());
  }
  return result;
}

/**
 * A cycle among `stuck` (services left over by the level sort: each has a dependency that is
 * also stuck), as a closed path starting and ending at its alphabetically-first member.
 */
function findCycle(stuck: Set<string>, deps: Map<string, string[]>): string[] {
  const start = [...stuck].sort()[0]!;
  const path: string[] = [];
  const seenAt = new Map<string, number>();
  let node = start;
  while (!seenAt.has(node)) {
    seenAt.set(node, path.length);
    path.push(node);
    node = deps.get(node)!.find((d) => stuck.has(d))!;
  }
  const cycle = path.slice(seenAt.get(node));
  const first = cycle.reduce((a, b) => (b < a ? b : a));
  const at = cycle.indexOf(first);
  const rotated = [...cycle.slice(at), ...cycle.slice(0, at)];
  return [...rotated, first];
}

/** A short list of names for a hint: the first eight, then how many more. */
function listed(names: string[]): string {
  const shown = names.slice(0, 8).join(", ");
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}
