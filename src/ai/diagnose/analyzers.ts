/**
 * Rule-based analyzers: pure functions of a container's (masked) evidence, each naming a cause
 * with the evidence lines that show it, a fix, and how sure it is. Peers' users complain that AI
 * tools ignore the crash logs (k8sgpt #1059, #1367): every finding here quotes them.
 */
import { entryForImage } from "../catalog.ts";
import { COMPOSE_KEY_ANALYZERS } from "./compose-key-analyzers.ts";
import type { ContainerEvidence } from "./evidence.ts";

export type Confidence = "high" | "medium" | "low";

export interface Finding {
  rule: string;
  cause: string;
  evidence: string[];
  fix: string;
  confidence: Confidence;
}

export type Analyzer = (e: ContainerEvidence) => Finding | undefined;

/** Log lines matching a pattern, last ones first-in-order, at most n. */
function lines(e: ContainerEvidence, re: RegExp, n = 3): string[] {
  const all = [...e.logs, ...(e.startError ? [e.startError] : [])];
  return all.filter((l) => re.test(l)).slice(-n);
}

function exitLine(e: ContainerEvidence): string {
  const parts = [`exit code ${e.exitCode ?? "unknown"}`];
  if (e.signal) parts.push(`signal ${e.signal}`);
  if (e.oomKilled) parts.push("oom killed");
  if (e.restartCount) parts.push(`restarted ${e.restartCount} time${e.restartCount === 1 ? "" : "s"}`);
  return parts.join(", ");
}

function commandText(e: ContainerEvidence): string {
  const argv = [...(e.config.entrypoint ?? []), ...(e.config.command ?? [])];
  return argv.length ? JSON.stringify(argv) : "the image's default command";
}

/** A port in "host:port" (an address, a name, "::", "*") or "port N" — not in a "19:00:00" timestamp. */
function portIn(text: string): string | undefined {
  return /(?:\d{1,3}(?:\.\d{1,3}){3}|\]|::|\*|[a-z][\w.-]*):(\d{2,5})\b/i.exec(text)?.[1] ?? /\bport (\d{2,5})\b/i.exec(text)?.[1];
}

const NOT_FOUND = /(?:executable file not found|: not found|command not found|no such file or directory)/i;

/** A hook's error is about the hook, not the service's command (compose-key-analyzers.ts names it). */
const hookFailure = (e: ContainerEvidence) => e.startPhase === "post_start";

export const commandNotFound: Analyzer = (e) => {
  if (hookFailure(e)) return undefined;
  const hits = lines(e, NOT_FOUND);
  if (e.exitCode !== 127 && !(e.startError && /executable file not found/i.test(e.startError))) return undefined;
  const text = hits.join("\n");
  const name =
    /exec: "([^"]+)": executable file not found/.exec(text)?.[1] ??
    /(?:^|\s)(?:\/bin\/)?(?:ba)?sh: (?:\d+: )?(?:line \d+: )?([^:\s]+): (?:command )?not found/m.exec(text)?.[1] ??
    /exec (\S+): no such file or directory/.exec(text)?.[1] ??
    /^([^:\s]+): (?:command )?not found$/m.exec(text)?.[1] ??
    e.config.command?.[0];
  return {
    rule: "exit-127",
    cause: name ? `command not found: "${name}"` : "command not found (exit 127)",
    evidence: [exitLine(e), ...hits],
    fix: `check the command ${commandText(e)} of service "${e.service}": fix the name or path, or use an image that contains ${name ? `"${name}"` : "it"}`,
    confidence: e.exitCode === 127 ? "high" : "medium",
  };
};

export const notExecutable: Analyzer = (e) => {
  if (hookFailure(e)) return undefined;
  const hits = lines(e, /permission denied|not executable|exec format error/i);
  // only the runtime's exec of the command itself: a sysctl or device refused says "permission denied" too
  if (e.exitCode !== 126 && !(e.startError && /exec[^\n]*(?:permission denied|exec format error)/i.test(e.startError))) return undefined;
  const format = hits.some((l) => /exec format error/i.test(l));
  return {
    rule: "exit-126",
    cause: format ? "the program is built for another CPU architecture (exec format error)" : "the command is not executable (exit 126)",
    evidence: [exitLine(e), ...hits],
    fix: format
      ? `use an image built for this machine's architecture (${process.arch})`
      : `make the file executable in the image (chmod +x) or run it through its interpreter, e.g. ["sh", "script.sh"]; the command is ${commandText(e)}`,
    confidence: e.exitCode === 126 ? "high" : "medium",
  };
};

/** 536870912 → "512 MiB" */
function mib(bytes: string): string {
  const n = Number(bytes);
  return Number.isFinite(n) && n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MiB` : `${bytes} bytes`;
}

export const killed: Analyzer = (e) => {
  if (!(e.exitCode === 137 || e.oomKilled || e.signal === "SIGKILL")) return undefined;
  const deployLimit = e.config.deploy?.resources?.limits?.memory;
  const limit = deployLimit ?? e.config.mem_limit;
  const key = deployLimit ? "deploy.resources.limits.memory" : "mem_limit";
  const hits = lines(e, /out of memory|oom|killed|cannot allocate memory|heap/i);
  if (e.oomKilled || hits.some((l) => /out of memory|oom|cannot allocate|heap/i.test(l))) {
    if (limit && e.limitsNotEnforced) {
      // the limit was never applied here: the kill came from the host running out, not from it
      return {
        rule: "oom",
        cause: `killed for running out of memory: the host's memory ran out (its ${key} of ${mib(limit)} is not enforced here)`,
        evidence: [exitLine(e), ...hits, e.limitsNotEnforced],
        fix: `free memory on the host or make "${e.service}" use less; for the limit to hold it instead, enable cgroup delegation (kitten doctor prints the fix)`,
        confidence: e.oomKilled ? "high" : "medium",
      };
    }
    return {
      rule: "oom",
      cause: limit ? `killed for running out of memory at its limit (${key}: ${mib(limit)})` : "killed for running out of memory",
      evidence: [exitLine(e), ...hits, ...(limit ? [`${key}: ${limit} bytes`] : [])],
      fix: limit ? `raise ${key} of "${e.service}", or make it use less memory (smaller caches, heap, worker count)` : `give the host more free memory or make "${e.service}" use less (e.g. smaller caches or heap)`,
      confidence: e.oomKilled ? "high" : "medium",
    };
  }
  return {
    rule: "exit-137",
    cause: "killed with SIGKILL (exit 137): out of memory, or stopped forcibly after its stop grace period",
    evidence: [exitLine(e), ...hits],
    fix: `if it was not stopped on purpose, check the host's memory (dmesg shows OOM kills); if it ignores SIGTERM, give it a stop_signal it handles or a longer stop_grace_period`,
    confidence: "medium",
  };
};

export const segfault: Analyzer = (e) => {
  if (!(e.exitCode === 139 || e.signal === "SIGSEGV")) return undefined;
  return {
    rule: "exit-139",
    cause: "crashed with a segmentation fault (exit 139)",
    evidence: [exitLine(e), ...lines(e, /segmentation fault|sigsegv|core dumped/i)],
    fix: "a bug in the program or a library mismatch: try another image tag, check the image is built for this architecture, and look at the last log lines before the crash",
    confidence: "high",
  };
};

export const addressInUse: Analyzer = (e) => {
  const hits = lines(e, /address already in use|EADDRINUSE|bind\(\).*failed|port is already allocated/i);
  if (!hits.length) return undefined;
  const port = portIn(hits.join("\n"));
  return {
    rule: "address-in-use",
    cause: `address already in use${port ? ` (port ${port})` : ""}`,
    evidence: hits,
    fix: port
      ? `something else already listens on port ${port}: another process in the same container (network_mode shared?), a replica on the host network, or a host process; change the port or stop the other one`
      : "something else already listens on that port: change the port or stop the other listener",
    confidence: "high",
  };
};

/** Env vars an image accepts instead of its required one. */
const ALTERNATIVES: Record<string, string[]> = {
  POSTGRES_PASSWORD: ["POSTGRES_HOST_AUTH_METHOD", "POSTGRES_PASSWORD_FILE"],
  MYSQL_ROOT_PASSWORD: ["MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD_FILE"],
  MARIADB_ROOT_PASSWORD: ["MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "MARIADB_RANDOM_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD_HASH", "MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD_FILE"],
};

const ENV_IN_LOG = [
  /\b([A-Z][A-Z0-9_]{2,})\b[^.\n]{0,40}\b(?:is not set|is not specified|must be set|is required|is missing|not defined|is empty)/,
  /(?:environment variable|env var(?:iable)?|variable)\s+["'`$]?\{?([A-Z][A-Z0-9_]{2,})/i,
  /(?:specify|set)[^.\n]{0,40}?\b([A-Z][A-Z0-9_]{2,}(?:PASSWORD|_USER|_DB|_KEY|_TOKEN|_URL)\w*)/,
];

export const missingEnv: Analyzer = (e) => {
  const env = e.config.environment;
  const missing = (entryForImage(e.config.image)?.requiredEnv ?? []).filter((v) => !env[v] && !(ALTERNATIVES[v] ?? []).some((a) => env[a]));
  // a variable a secret or config is read from is not the container's environment (compose-key-analyzers.ts)
  const hits = lines(e, /not set|not specified|must be set|is required|is missing|need to specify|superuser password|environment variable/i).filter((l) => !/required by (?:secret|config) "/.test(l));
  let name: string | undefined;
  for (const l of hits) {
    for (const re of ENV_IN_LOG) {
      const m = re.exec(l)?.[1];
      if (m && !env[m]) {
        name = m;
        break;
      }
    }
    if (name) break;
  }
  // postgres says "superuser password is not specified" and names POSTGRES_PASSWORD on the next lines
  if (!name && hits.some((l) => /superuser password is not specified/i.test(l))) name = "POSTGRES_PASSWORD";
  name ??= missing[0];
  if (!name) return undefined;
  const fromLog = hits.length > 0;
  return {
    rule: "missing-env",
    cause: `required environment variable ${name} is not set`,
    evidence: [exitLine(e), ...hits, ...(missing.includes(name) ? [`service "${e.service}" (image ${e.config.image}) has no ${name} in its environment`] : [])],
    fix: `set ${name} in the environment of service "${e.service}"${/PASSWORD|SECRET|TOKEN|KEY/.test(name) ? " (a secret: keep it out of version control, e.g. in .env)" : ""}`,
    confidence: fromLog && missing.includes(name) ? "high" : fromLog || e.state !== "running" ? "high" : "medium",
  };
};

const REFUSED = /connection refused|ECONNREFUSED|could not connect|can't connect|cannot connect|connect: connection|no route to host|bad address|name or service not known|ENOTFOUND|could not resolve|could not translate host name|temporary failure in name resolution|Unknown (?:MySQL|MariaDB) server host|getaddrinfo/i;

export const dependencyRefused: Analyzer = (e) => {
  const hits = lines(e, REFUSED, 4);
  if (!hits.length) return undefined;
  // the lines just before a failure often say where it was connecting to ("connecting to db:5432")
  const all = [...e.logs, ...(e.startError ? [e.startError] : [])];
  const context = all.flatMap((l, i) => (hits.includes(l) ? all.slice(Math.max(0, i - 2), i) : [])).filter((l) => !hits.includes(l));
  const text = [...context, ...hits].join("\n");
  const candidates = [...e.dependencies.map((d) => d.service), ...Object.keys(e.config.depends_on ?? {})];
  const port = portIn(text);
  // by name in the log line, else by the port the dependency's image usually listens on ("ECONNREFUSED 10.0.0.3:6379")
  const dep =
    candidates.find((s) => new RegExp(`(?:^|[^a-z0-9_-])${s.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}(?:[^a-z0-9_-]|$)`, "i").test(text)) ??
    (port ? e.dependencies.find((d) => entryForImage(d.image)?.ports.includes(Number(port)))?.service : undefined);
  const resolveFail = /bad address|name or service not known|ENOTFOUND|could not resolve|could not translate host name|temporary failure in name resolution|Unknown (?:MySQL|MariaDB) server host/i.test(text);
  if (!dep) {
    return {
      rule: "connection-refused",
      cause: resolveFail ? "cannot resolve a host name it connects to" : `connection refused${port ? ` on port ${port}` : ""}`,
      evidence: hits,
      fix: resolveFail
        ? `the host is not a service of the project: services reach each other by service name (${candidates.join(", ") || "none"})`
        : "the server it connects to is not listening: check the address in its configuration",
      confidence: "medium",
    };
  }
  const state = e.dependencies.find((d) => d.service === dep);
  const condition = e.config.depends_on?.[dep]?.condition;
  const evidence = [...context.filter((l) => l.includes(dep)), ...hits, state ? `${dep} is ${state.state}${state.healthy === false ? " and unhealthy" : ""}${state.exitCode !== undefined ? ` (exit code ${state.exitCode})` : ""}` : `${dep} has no container`];
  let fix: string;
  if (!state || state.state !== "running") fix = `"${dep}" is not running: fix it first (kitten diagnose ${dep})`;
  else if (resolveFail) fix = `"${dep}" is running but its name does not resolve from "${e.service}": both must share a network (their networks: lists), and the host name is the service name`;
  else if (!condition) fix = `add depends_on: ${dep} with condition service_healthy (and a healthcheck on ${dep}) so "${e.service}" starts after ${dep} is ready, or make it retry`;
  else if (condition !== "service_healthy") fix = `use condition service_healthy for ${dep} (with a healthcheck) so "${e.service}" waits until ${dep} accepts connections`;
  else fix = `${dep} is running but refuses connections${port ? ` on port ${port}` : ""}: check that it listens on that port and on all addresses (0.0.0.0), not only 127.0.0.1`;
  return {
    rule: "connection-refused",
    cause: resolveFail ? `cannot resolve the dependency "${dep}"` : `connection refused by the dependency "${dep}"${port ? ` on port ${port}` : ""}`,
    evidence,
    fix,
    confidence: "high",
  };
};

const IMAGE_MISSING = /manifest unknown|pull access denied|repository does not exist|no such image|image not found|not found: manifest|name unknown|failed to resolve reference/i;
const ENTRYPOINT_MISSING = /(?:entrypoint|exec)[^\n]*no such file or directory|stat [^\n]*: no such file or directory/i;

export const missingImageOrEntrypoint: Analyzer = (e) => {
  const err = e.startError ?? "";
  if (hookFailure(e)) return undefined;
  if (e.startPhase === "pull" && !IMAGE_MISSING.test(err)) {
    return {
      rule: "image-missing",
      cause: `the image "${e.config.image}" cannot be pulled${/not reachable|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|timed out/i.test(err) ? ": its registry is not reachable" : ""}`,
      evidence: [err],
      fix: "check the image name and the network; without one, load the image first (kitten image load -i image.tar) or set a mirror in config.yaml",
      confidence: "high",
    };
  }
  if (IMAGE_MISSING.test(err)) {
    return {
      rule: "image-missing",
      cause: `the image "${e.config.image}" cannot be pulled`,
      evidence: [err],
      fix: "check the image name and tag (typos, a tag that does not exist), and that the registry is reachable and you are logged in for private images",
      confidence: "high",
    };
  }
  if (ENTRYPOINT_MISSING.test(err) && e.exitCode !== 127) {
    const path = /exec(?:: "|\s)([^"\s:]+)/.exec(err)?.[1] ?? /stat ([^:\s]+)/.exec(err)?.[1];
    return {
      rule: "entrypoint-missing",
      cause: `${path ? `"${path}"` : "the program to start"} does not exist in the image`,
      evidence: [err],
      fix: `check entrypoint and command of service "${e.service}" (${commandText(e)}) against the image's files; a script with Windows line endings or a missing interpreter (#!/bin/bash on alpine) also shows up like this`,
      confidence: "high",
    };
  }
  return undefined;
};

const LOOP_WINDOW_MS = 10 * 60_000;

export const crashLoop: Analyzer = (e) => {
  const times = e.restartTimes ?? [];
  const recent = times.length >= 3 ? times[times.length - 1]! - times[times.length - 3]! : Infinity;
  if (e.restartCount < 3 || (times.length >= 3 && recent > LOOP_WINDOW_MS)) return undefined;
  const span = times.length >= 2 ? Math.round((times[times.length - 1]! - times[0]!) / 1000) : undefined;
  return {
    rule: "crash-loop",
    cause: `crash loop: restarted ${e.restartCount} times${span !== undefined ? ` in ${span}s` : ""}`,
    evidence: [exitLine(e), `restart: ${e.config.restart ?? "no"}`],
    fix: "restarting does not help: fix the cause above; meanwhile `restart: on-failure:3` limits the retries",
    confidence: "high",
  };
};

export const unhealthy: Analyzer = (e) => {
  if (e.health?.status !== "unhealthy") return undefined;
  const timeout = e.health.lastExitCode === -1 && /exceeded timeout/.test(e.health.lastOutput ?? "");
  if (timeout) {
    // docker's wording and exit code -1 for a probe that outlives healthcheck.timeout
    return {
      rule: "healthcheck-timeout",
      cause: `the healthcheck times out${e.config.healthcheck?.timeout ? ` (timeout: ${e.config.healthcheck.timeout})` : " (the default timeout is 30s)"}`,
      evidence: [`healthcheck: ${JSON.stringify(e.config.healthcheck?.test ?? [])}`, (e.health.lastOutput ?? "").trim()],
      fix: "the probe hangs rather than fails: give it its own time limit (curl --max-time 2, wget -T 2), check that it targets the port the service listens on inside the container, or raise healthcheck.timeout",
      confidence: "high",
    };
  }
  return {
    rule: "healthcheck",
    cause: `the healthcheck fails${e.health.failingStreak ? ` (${e.health.failingStreak} times in a row)` : ""}`,
    evidence: [`healthcheck: ${JSON.stringify(e.config.healthcheck?.test ?? [])}`, ...(e.health.lastOutput ? [e.health.lastOutput.trim()] : [])],
    fix: `run the check by hand in the container; if the probe's tool is missing from the image (curl, wget), use another check; if the service is slow to start, raise start_period`,
    confidence: "medium",
  };
};

const ERRORISH = /error|fatal|panic|exception|traceback|failed|cannot|can't|denied|refused|invalid|not found|abort/i;

/** When no rule applies: the exit status and the last error-looking log lines, quoted. */
export const fallback: Analyzer = (e) => {
  const hits = lines(e, ERRORISH, 5);
  const quoted = hits.length ? hits : e.logs.slice(-3);
  return {
    rule: "generic",
    cause: e.startPhase ? `failed at ${e.startPhase === "post_start" ? "its post_start hook" : e.startPhase === "pull" ? "pulling its image" : e.startPhase === "secrets" ? "writing its secrets" : `${e.startPhase} of its container`}` : e.exitCode !== undefined ? `exited with code ${e.exitCode}${e.signal ? ` (${e.signal})` : ""}` : `is ${e.state}`,
    evidence: [exitLine(e), ...quoted],
    fix: quoted.length ? "the quoted log lines are the best lead: search for them, or ask with --explain" : "it printed nothing: run it by hand with the same command to see what it does",
    confidence: "low",
  };
};

export const ANALYZERS: Analyzer[] = [missingImageOrEntrypoint, commandNotFound, notExecutable, killed, segfault, addressInUse, missingEnv, dependencyRefused, unhealthy, crashLoop, ...COMPOSE_KEY_ANALYZERS];

/** Every finding for one container, most certain first; the fallback when no rule names a cause. */
export function analyze(e: ContainerEvidence): Finding[] {
  const findings = ANALYZERS.map((a) => a(e)).filter((f): f is Finding => f !== undefined);
  if (!findings.some((f) => f.rule !== "crash-loop" && f.rule !== "healthcheck" && f.rule !== "mount-clash")) findings.push(fallback(e)!);
  const rank: Record<Confidence, number> = { high: 0, medium: 1, low: 2 };
  return findings.sort((a, b) => rank[a.confidence] - rank[b.confidence] || (a.rule === "crash-loop" ? 1 : 0) - (b.rule === "crash-loop" ? 1 : 0));
}

/** A finding for an error that kept a container from starting at all (it leaves no state to diagnose). */
export function startErrorFinding(service: string, config: ContainerEvidence["config"], message: string): Finding | undefined {
  const e: ContainerEvidence = { service, container: service, state: "created", restartCount: 0, startError: message, logs: [], config, dependencies: [] };
  for (const analyzer of [missingImageOrEntrypoint, commandNotFound, notExecutable, ...COMPOSE_KEY_ANALYZERS]) {
    const finding = analyzer(e);
    if (finding) return finding;
  }
  return undefined;
}
