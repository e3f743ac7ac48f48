/**
 * Lifecycle hooks and develop (compose-spec services.md#post_start, #pre_stop; develop.md):
 * a hook is `{command, user, privileged, working_dir, environment}` — the command in the
 * service's syntax (a string is split like a shell would, a list is taken as it is) — run in
 * the container after it starts / before it is stopped. `develop.watch` is read and checked
 * here and kept in the model for the watch verb.
 */
import { resolve } from "node:path";
import type { Develop, Hook } from "./model.ts";
import type { FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";
import { shellSplit, ShellWordsError } from "./shell-words.ts";
import { readEnvironment } from "./service.ts";

const HOOK_KEYS = new Set(["command", "user", "privileged", "working_dir", "environment"]);
const WATCH_KEYS = new Set(["path", "action", "target", "ignore", "include", "initial_sync", "exec"]);
const WATCH_ACTIONS = new Set(["sync", "rebuild", "restart", "sync+restart", "sync+exec"]);

function commandWords(r: FileReader, v: unknown, path: KeyPath): string[] {
  let words: string[];
  if (typeof v === "string") {
    try {
      words = shellSplit(v);
    } catch (err) {
      if (err instanceof ShellWordsError) r.fail(path, `cannot split the command: ${err.message}`, "quote the command as a list instead");
      throw err;
    }
  } else {
    words = r.list(v, path).map((item, i) => r.text(item, [...path, i]));
  }
  if (words.length === 0) r.fail(path, "the command is empty");
  return words;
}

export function readHook(r: FileReader, v: unknown, path: KeyPath): Hook {
  const m = r.map(v, path);
  r.checkKeys(m, path, HOOK_KEYS);
  if (m.command === undefined) r.fail(path, `a hook needs a "command"`, 'e.g. command: ["sh", "-c", "echo started"]');
  const hook: Hook = { command: commandWords(r, m.command, [...path, "command"]) };
  if (m.user !== undefined) hook.user = r.text(m.user, [...path, "user"]);
  if (m.privileged !== undefined) hook.privileged = r.bool(m.privileged, [...path, "privileged"]);
  if (m.working_dir !== undefined) {
    const wd = r.str(m.working_dir, [...path, "working_dir"]);
    if (!wd.startsWith("/")) r.fail([...path, "working_dir"], `the working directory "${wd}" must be absolute`);
    hook.working_dir = wd;
  }
  if (m.environment !== undefined) hook.environment = readEnvironment(r, m.environment, [...path, "environment"]);
  return hook;
}

export function readHooks(r: FileReader, v: unknown, path: KeyPath): Hook[] {
  return r.list(v, path).map((item, i) => readHook(r, item, [...path, i]));
}

export function readDevelop(r: FileReader, v: unknown, path: KeyPath): Develop {
  const m = r.optMap(v, path);
  r.checkKeys(m, path, new Set(["watch"]));
  if (m.watch === undefined) return {};
  const wp = [...path, "watch"];
  return {
    watch: r.list(m.watch, wp).map((item, i) => {
      const p = [...wp, i];
      const w = r.map(item, p);
      r.checkKeys(w, p, WATCH_KEYS);
      if (w.path === undefined) r.fail(p, `a watch rule needs a "path"`);
      if (w.action === undefined) r.fail(p, `a watch rule needs an "action"`, "sync, rebuild, restart, sync+restart or sync+exec");
      const action = r.str(w.action, [...p, "action"]);
      if (!WATCH_ACTIONS.has(action)) r.fail([...p, "action"], `invalid watch action "${action}"`, "use sync, rebuild, restart, sync+restart or sync+exec");
      // the path is relative to the project directory, as compose resolves it
      const rule: NonNullable<Develop["watch"]>[number] = { path: resolve(r.baseDir, r.str(w.path, [...p, "path"])), action: action as NonNullable<Develop["watch"]>[number]["action"] };
      if (w.target !== undefined) {
        const target = r.str(w.target, [...p, "target"]);
        if (!target.startsWith("/")) r.fail([...p, "target"], `the watch target "${target}" must be an absolute path in the container`);
        rule.target = target;
      }
      if ((action === "sync" || action.startsWith("sync+")) && rule.target === undefined) r.fail(p, `a ${action} rule needs a "target" (where the files go in the container)`);
      if (w.ignore !== undefined) rule.ignore = r.strings(w.ignore, [...p, "ignore"], true);
      if (w.include !== undefined) rule.include = r.strings(w.include, [...p, "include"], true);
      if (w.initial_sync !== undefined) rule.initial_sync = r.bool(w.initial_sync, [...p, "initial_sync"]);
      if (w.exec !== undefined) rule.exec = readHook(r, w.exec, [...p, "exec"]);
      if (action === "sync+exec" && rule.exec === undefined) r.fail(p, `a sync+exec rule needs "exec"`);
      return rule;
    }),
  };
}
