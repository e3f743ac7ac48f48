/**
 * `kitten watch` (docker compose watch, compose-spec develop.md): each service's develop.watch
 * rules turn file changes under their `path` into actions on the service's containers —
 * sync (copy the changed files to `target`, delete the removed ones), restart, sync+restart,
 * sync+exec, rebuild — batched after 500 ms without a change (compose's QuietPeriod). `ignore` takes
 * .dockerignore patterns relative to the rule's path; `.git` and editors' temporary files are
 * always ignored (docs.docker.com/compose/how-tos/file-watch). `rebuild` goes through the image builder
 * (engine/build) and a `build:` section: it rebuilds the image and recreates the service.
 * Files are written through the container's namespace (runtime/copy.ts), so unlike docker compose
 * no tool (stat, mkdir, tar) is needed in the image and any USER works (docker/compose#11304).
 */
import { existsSync, statSync, watch, type FSWatcher } from "node:fs";
import { join, relative } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { z } from "zod";
import type { Project, WatchRuleSchema } from "../compose/model.ts";

export type WatchRule = z.infer<typeof WatchRuleSchema>;
export type WatchAction = WatchRule["action"];

/** A service's watch rules (develop.watch; the loader made each path absolute). */
export function watchRules(project: Project, service: string): WatchRule[] {
  return project.services[service]?.develop?.watch ?? [];
}

/** The services to watch, checked as compose checks them (pkg/compose/watch.go). */
export function watchedServices(project: Project, names: string[]): string[] {
  const candidates = names.length > 0 ? names : Object.keys(project.services);
  const watched = candidates.filter((s) => watchRules(project, s).length > 0);
  if (watched.length === 0) throw new InvalidInputError("none of the selected services is configured for watch, consider setting a 'develop' section", { code: "no_watch" });
  for (const s of watched) {
    // compose's wording (pkg/compose/watch.go)
    if (watchRules(project, s).some((r) => r.action === "rebuild") && !project.services[s]!.build) {
      throw new InvalidInputError(`can't watch service "${s}" with action rebuild without a build context`, { code: "no_build_context", hint: "give the service a build: section, or use sync / restart" });
    }
  }
  return watched;
}

const ALWAYS_IGNORED = [".git", ".git/**", "**/.git", "**/.git/**", "**/*~", "**/.*.swp", "**/.*.swx", "**/#*#", "**/.#*", "**/4913"];

/** Whether a path (relative to the rule's path, `/`-separated) is one the rule acts on. */
export function ruleMatches(rule: Pick<WatchRule, "ignore" | "include">, rel: string): boolean {
  const match = (pattern: string) => {
    const p = pattern.replace(/^\/+/, "").replace(/\/+$/, "");
    // .dockerignore: a pattern names the path and everything under it
    return new Bun.Glob(p).match(rel) || new Bun.Glob(`${p}/**`).match(rel);
  };
  if (ALWAYS_IGNORED.some((p) => new Bun.Glob(p).match(rel))) return false;
  if (rule.include?.length && !rule.include.some(match)) return false;
  let ignored = false;
  // later patterns win; `!pattern` takes a path back (.dockerignore exceptions)
  for (const pattern of rule.ignore ?? []) {
    if (pattern.startsWith("!")) {
      if (match(pattern.slice(1))) ignored = false;
    } else if (match(pattern)) ignored = true;
  }
  return !ignored;
}

export interface WatchEffects {
  /** copy a host file or directory to a path in each running container of the service */
  sync(service: string, hostPath: string, containerPath: string): Promise<void>;
  /** remove a path in each running container of the service */
  remove(service: string, containerPath: string): Promise<void>;
  restart(service: string): Promise<void>;
  /** build the service's image again and recreate its containers */
  rebuild(service: string): Promise<void>;
  exec(service: string, exec: NonNullable<WatchRule["exec"]>): Promise<void>;
}

export interface WatchOptions {
  project: Project;
  services: string[];
  effects: WatchEffects;
  reporter: Reporter;
  signal: AbortSignal;
  quietMs?: number;
}

/** One batch of changes for one rule: what to sync or remove, and whether to restart / exec after. */
export interface RulePlan {
  service: string;
  rule: WatchRule;
  /** [host path, container path] of changed files that exist */
  sync: Array<[string, string]>;
  /** container paths of files that are gone */
  remove: string[];
}

/** Which rules the changed paths touch (pure: `exists` tells a change from a removal). */
export function planBatch(project: Project, services: string[], changed: string[], exists: (p: string) => boolean = existsSync): RulePlan[] {
  const plans: RulePlan[] = [];
  for (const service of services) {
    for (const rule of watchRules(project, service)) {
      const plan: RulePlan = { service, rule, sync: [], remove: [] };
      let touched = false;
      for (const file of changed) {
        const rel = relative(rule.path, file);
        if (rel.startsWith("..") || rel.startsWith("/")) continue;
        if (rel !== "" && !ruleMatches(rule, rel.split("\\").join("/"))) continue;
        touched = true;
        if (rule.target === undefined) continue;
        const inContainer = rel === "" ? rule.target : join(rule.target, rel);
        if (exists(file)) plan.sync.push([file, inContainer]);
        else plan.remove.push(inContainer);
      }
      if (touched) plans.push(plan);
    }
  }
  return plans;
}

async function apply(plans: RulePlan[], o: WatchOptions): Promise<void> {
  const restart = new Set<string>();
  const rebuild = new Set<string>();
  for (const p of plans) {
    if (p.rule.action === "rebuild") rebuild.add(p.service);
    if (p.rule.action.startsWith("sync")) {
      if (p.sync.length + p.remove.length > 0) o.reporter.emit({ type: "info", message: `Syncing service "${p.service}" after ${p.sync.length + p.remove.length} changes were detected` });
      for (const [host, target] of p.sync) await o.effects.sync(p.service, host, target);
      for (const target of p.remove) await o.effects.remove(p.service, target);
    }
    if (p.rule.action === "restart" || p.rule.action === "sync+restart") restart.add(p.service);
    if (p.rule.action === "sync+exec" && p.rule.exec) await o.effects.exec(p.service, p.rule.exec);
  }
  for (const s of rebuild) {
    o.reporter.emit({ type: "info", message: `Rebuilding service "${s}" after changes were detected` });
    await o.effects.rebuild(s);
  }
  for (const s of restart) {
    if (rebuild.has(s)) continue;
    o.reporter.emit({ type: "info", message: `Restarting service "${s}" after changes were detected` });
    await o.effects.restart(s);
  }
}

/** Watches until the signal aborts. Initial syncs (initial_sync: true) run first. */
export async function watchProject(o: WatchOptions): Promise<void> {
  const quiet = o.quietMs ?? 500;
  const initial: RulePlan[] = [];
  for (const service of o.services) {
    for (const rule of watchRules(o.project, service)) {
      if (rule.initial_sync && rule.target && rule.action.startsWith("sync")) initial.push({ service, rule, sync: [[rule.path, rule.target]], remove: [] });
    }
  }
  if (initial.length) await apply(initial, o);
  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  const flush = () => {
    const changed = [...pending];
    pending.clear();
    running = running.then(() => apply(planBatch(o.project, o.services, changed), o)).catch((err) => o.reporter.emit({ type: "warning", message: `watch: ${(err as Error).message}` }));
  };
  const watchers: FSWatcher[] = [];
  const paths = [...new Set(o.services.flatMap((s) => watchRules(o.project, s).map((r) => r.path)))];
  for (const path of paths) {
    if (!existsSync(path)) {
      o.reporter.emit({ type: "warning", message: `watch: ${path} does not exist; it is not watched` });
      continue;
    }
    const isDir = statSync(path).isDirectory();
    watchers.push(
      watch(path, { recursive: true }, (_event, file) => {
        pending.add(file && isDir ? join(path, file.toString()) : path);
        clearTimeout(timer);
        timer = setTimeout(flush, quiet);
      }),
    );
  }
  o.reporter.emit({ type: "info", message: `Watch enabled for ${o.services.join(", ")}` });
  await new Promise<void>((resolve) => (o.signal.aborted ? resolve() : o.signal.addEventListener("abort", () => resolve(), { once: true })));
  clearTimeout(timer);
  for (const w of watchers) w.close();
  await running;
}
