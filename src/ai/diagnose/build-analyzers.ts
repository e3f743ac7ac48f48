/**
 * Rule-based analyzers for failed builds: pure functions of what the builder recorded (the
 * failing step, its command, exit code and last output lines, the error it printed), each
 * naming a cause with the lines that show it, a fix and how sure it is — the same shape as the
 * container findings. The step comes first in every finding's evidence: which stage, which
 * instruction, which Dockerfile line.
 */
import { relative } from "node:path";
import type { Finding } from "./analyzers.ts";
import type { BuildEvidence } from "./evidence.ts";
import { commandNotFoundIn, missingFiles, missingPackages, networkLines, toolPackage, type MissingPackage } from "./package-errors.ts";

export type BuildAnalyzer = (b: BuildEvidence) => Finding | undefined;

/** The Dockerfile as the user knows it: relative to the context when inside it. */
export function dockerfileName(b: BuildEvidence): string {
  if (b.dockerfile === "-") return "Dockerfile (inline)";
  const rel = relative(b.context, b.dockerfile);
  return rel && !rel.startsWith("..") ? rel : b.dockerfile;
}

/** "Dockerfile:5 (stage builder): RUN apt-get install -y foo" */
export function stepLine(b: BuildEvidence): string {
  const s = b.step;
  if (!s) return `${dockerfileName(b)}: ${b.error}`;
  const where = `${dockerfileName(b)}${s.line !== undefined ? `:${s.line}` : ""}${s.stage ? ` (stage ${s.stage})` : ""}`;
  return `${where}: ${s.original ?? s.name}`;
}

function exitLine(b: BuildEvidence): string[] {
  return b.step?.exitCode !== undefined ? [`exit code ${b.step.exitCode}${b.step.command ? ` from "${b.step.command}"` : ""}`] : [];
}

const output = (b: BuildEvidence) => b.step?.output ?? [];
const isRun = (b: BuildEvidence) => b.step?.instruction === "RUN";

/** The base image a FROM names, from the step as the progress showed it ("[1/2] FROM node:20 AS build"). */
function fromImage(b: BuildEvidence): string | undefined {
  return /\bFROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(b.step?.name ?? b.step?.original ?? "")?.[1];
}

export const baseImageMissing: BuildAnalyzer = (b) => {
  if (b.step?.instruction !== "FROM") return undefined;
  const image = fromImage(b) ?? "the base image";
  const unreachable = /not reachable|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|timed out|network/i.test(b.error);
  const denied = /unauthorized|denied|authentication required|401|403/i.test(b.error);
  return {
    rule: "build-base-image",
    cause: unreachable ? `the base image "${image}" cannot be pulled: its registry is not reachable` : denied ? `the base image "${image}" cannot be pulled: access denied` : `the base image "${image}" does not exist (or not with that tag)`,
    evidence: [stepLine(b), b.error],
    fix: unreachable
      ? `check the network and the registry's name; without one, load the image first (kitten image load -i image.tar) or set a mirror in config.yaml`
      : denied
        ? `log in to the registry (kitten login <registry>) or use a public image`
        : `check the name and tag of "${image}" (a typo, a tag that was never published); if it is meant to be an earlier stage, the stage's AS name must match`,
    confidence: "high",
  };
};

export const copySourceMissing: BuildAnalyzer = (b) => {
  const m = /(COPY|ADD) failed: "(.+)" not found in the build context/.exec(b.error);
  if (!m) return undefined;
  const [, verb, source] = m;
  const ignored = b.ignoredBy;
  return {
    rule: "build-copy-missing",
    cause: ignored ? `"${source}" is excluded from the build context by ${relative(b.context, ignored.file) || ignored.file}` : `"${source}" is not in the build context`,
    evidence: [stepLine(b), b.error, ...(ignored ? [`${relative(b.context, ignored.file) || ignored.file}:${ignored.line}: ${ignored.pattern}`] : [])],
    fix: ignored
      ? `remove line ${ignored.line} ("${ignored.pattern}") from ${relative(b.context, ignored.file) || ignored.file}, or add "!${source}" below it`
      : `${verb} sources are relative to the build context (${b.context}), not to the Dockerfile: check the path and the context (compose build.context)`,
    confidence: "high",
  };
};

export const buildSecretMissing: BuildAnalyzer = (b) => {
  const m = /secret "([^"]+)"(?: is required but was not given|: (.+))/.exec(b.error);
  if (!m || !(b.code === "build_secret" || /is required but was not given/.test(b.error))) return undefined;
  return {
    rule: "build-secret-missing",
    cause: `the build secret "${m[1]}" is not available`,
    evidence: [stepLine(b), b.error],
    fix: b.service ? `list it under build.secrets of service "${b.service}" with a top-level secrets: entry whose file or environment exists` : `pass it with --secret id=${m[1]},src=<file> (or env=<VAR>)`,
    confidence: "high",
  };
};

export const dockerfileInvalid: BuildAnalyzer = (b) => {
  if (b.code !== "bad_dockerfile" || /(?:COPY|ADD) failed:/.test(b.error) || b.step?.output.length) return undefined;
  return {
    rule: "build-dockerfile",
    cause: "the Dockerfile is invalid",
    evidence: [b.error],
    fix: b.hint ?? "fix the line the error names",
    confidence: "high",
  };
};

function managerCommand(p: MissingPackage): string {
  return { apt: "apt-get", apk: "apk", dnf: "dnf", pip: "pip", npm: "npm", yarn: "yarn", pnpm: "pnpm", go: "go" }[p.manager];
}

/** Where to look a name up, per tool. */
function searchHint(p: MissingPackage): string {
  switch (p.manager) {
    case "apt":
      return `apt-cache search ${p.name}, or packages.debian.org / packages.ubuntu.com for the base image's release`;
    case "apk":
      return `apk search ${p.name}, or pkgs.alpinelinux.org for the base image's branch`;
    case "dnf":
      return `dnf search ${p.name}`;
    case "pip":
      return `pypi.org/project/${p.name.replace(/[<>=!~;[].*$/, "")}`;
    case "npm":
    case "yarn":
    case "pnpm":
      return `npm view ${p.name.replace(/(.)@.*$/, "$1")} versions`;
    case "go":
      return `pkg.go.dev/${p.name}`;
  }
}

export const noNetwork: BuildAnalyzer = (b) => {
  if (!isRun(b)) return undefined;
  const hits = networkLines(output(b));
  const none = b.step?.network === "none";
  if (hits.length === 0) return undefined;
  const pkgs = missingPackages(output(b));
  const what = pkgs.length ? ` (so ${managerCommand(pkgs[0]!)} could not fetch "${pkgs[0]!.name}")` : "";
  const evidence = [stepLine(b), ...exitLine(b), ...hits.slice(-4), ...(none ? ["network: none"] : [])];
  if (none) {
    return {
      rule: "build-network",
      cause: `the RUN step has no network: it runs with --network=none${what}`,
      evidence,
      fix: "drop --network=none from the RUN (or the build's network: none) for steps that download, or download before and COPY the files in",
      confidence: "high",
    };
  }
  // 127.0.0.1 inside a RUN step is the step's own container: nothing of the host listens there
  const loopback = hits.some((l) => /\b(?:127\.0\.0\.1|localhost|::1)\b/.test(l) && /refused/i.test(l));
  if (loopback) {
    return {
      rule: "build-network",
      cause: "the RUN step connects to localhost, which is the build step's own container: nothing listens there",
      evidence,
      fix: "a server on the host is not localhost inside a build: fetch what the step needs before the build and COPY it in, or serve it on an address the namespace reaches",
      confidence: "high",
    };
  }
  const dns = hits.some((l) => /resol|EAI_AGAIN|ENOTFOUND|bad address|no such host|Name or service not known|DNS/i.test(l));
  return {
    rule: "build-network",
    cause: `the RUN step could not ${dns ? "resolve the host names it downloads from" : "reach the network"}${what}`,
    evidence,
    fix: "RUN steps use the project namespace's network (slirp4netns, DNS at 10.0.2.3): check that the host itself reaches the server (DNS, firewall), and set the proxy build args (HTTP_PROXY, HTTPS_PROXY) if the host needs one to get out",
    confidence: "high",
  };
};

export const missingPackage: BuildAnalyzer = (b) => {
  if (!isRun(b) || networkLines(output(b)).length > 0) return undefined;
  const p = missingPackages(output(b))[0];
  if (!p) return undefined;
  const evidence = [stepLine(b), ...exitLine(b), ...p.lines];
  if (p.manager === "apt" && p.kind === "package" && !/\bapt(?:-get)?\s+(?:-\S+\s+)*update\b/.test(b.step?.command ?? "")) {
    // images ship without package lists; a separate (cached) RUN apt-get update goes stale
    return {
      rule: "build-missing-package",
      cause: `apt cannot find the package "${p.name}": this RUN does not run apt-get update first`,
      evidence: [...evidence, "the command has no apt-get update"],
      fix: `run "apt-get update && apt-get install -y ${p.name}" in one RUN; if apt still cannot locate it, the name is wrong for this release: ${searchHint(p)}`,
      confidence: "medium",
    };
  }
  const cause =
    p.kind === "version"
      ? `${managerCommand(p)} has "${p.name}" but not the version asked for${p.requested ? ` (${p.requested})` : ""}`
      : p.kind === "candidate"
        ? `the package "${p.name}" exists in apt's lists but has no installation candidate (obsolete, or only available from another source)`
        : p.manager === "go"
          ? `no Go module provides the package "${p.name}"`
          : `the package "${p.name}" does not exist for ${managerCommand(p)}`;
  const fix =
    p.kind === "candidate"
      ? p.replacements?.length
        ? `install a package that replaces it: ${p.replacements.join(", ")}`
        : `look for its new name: ${searchHint(p)}`
      : p.manager === "go"
        ? `check the import path for typos; add the module with "go get ${p.name}" (and commit go.mod and go.sum), or fix its version in go.mod: ${searchHint(p)}`
        : p.kind === "version"
          ? `pick a version that exists: ${searchHint(p)}`
          : `check the name for typos (${searchHint(p)})${p.manager === "pip" ? "; a package for another Python version or platform also shows up like this" : ""}`;
  return { rule: "build-missing-package", cause, evidence, fix, confidence: "high" };
};

export const missingFile: BuildAnalyzer = (b) => {
  if (!isRun(b)) return undefined;
  const files = missingFiles(output(b));
  const f = files[0];
  if (!f) return undefined;
  const fact = b.contextFiles?.find((c) => c.path === f.path);
  const facts = fact
    ? fact.ignoredBy
      ? [`${fact.relative} is in the build context but ${relative(b.context, fact.ignoredBy.file) || fact.ignoredBy.file}:${fact.ignoredBy.line} (${fact.ignoredBy.pattern}) excludes it`]
      : fact.inContext
        ? [`${fact.relative} is in the build context`]
        : [`${fact.relative} is not in the build context either`]
    : [];
  const fix = fact?.ignoredBy
    ? `remove "${fact.ignoredBy.pattern}" from ${relative(b.context, fact.ignoredBy.file) || fact.ignoredBy.file} (or add "!${fact.relative}"), and COPY it before this step`
    : fact?.inContext
      ? `COPY ${fact.relative} into the image before this step (and check the RUN's working directory: WORKDIR)`
      : `the step expects "${f.path}" in the image: COPY it in before this step, or create it in an earlier step`;
  return {
    rule: "build-missing-file",
    cause: `the step needs "${f.path}", which is not in the image`,
    evidence: [stepLine(b), ...exitLine(b), f.line, ...facts],
    fix,
    confidence: "high",
  };
};

export const runCommandNotFound: BuildAnalyzer = (b) => {
  if (!isRun(b) || b.step?.exitCode !== 127) return undefined;
  const found = commandNotFoundIn(output(b));
  // a program run by its path that is not there is a missing file (missingFile says so)
  if (!found && missingFiles(output(b)).length > 0) return undefined;
  const name = found?.name;
  const pkg = name ? toolPackage(name) : undefined;
  return {
    rule: "build-command-not-found",
    cause: name ? `command not found in RUN: "${name}"` : "a command of the RUN step was not found (exit 127)",
    evidence: [stepLine(b), ...exitLine(b), ...(found ? [found.line] : [])],
    fix: name
      ? `install "${name}" in an earlier step${pkg ? ` (apt-get install -y ${pkg.apt} on Debian/Ubuntu, apk add ${pkg.apk} on Alpine)` : ""}, or use a base image that has it; a script run by path also shows up like this when its #! interpreter is missing or it has Windows line endings`
      : "check the commands of the RUN line for typos, and that the base image has them",
    confidence: "high",
  };
};

export const runNotExecutable: BuildAnalyzer = (b) => {
  if (!isRun(b) || b.step?.exitCode !== 126) return undefined;
  const hits = output(b).filter((l) => /permission denied|not executable|exec format error/i.test(l));
  return {
    rule: "build-not-executable",
    cause: hits.some((l) => /exec format error/i.test(l)) ? "the RUN step runs a program built for another CPU architecture" : "the RUN step runs a file that is not executable (exit 126)",
    evidence: [stepLine(b), ...exitLine(b), ...hits.slice(-2)],
    fix: "COPY --chmod=755 the script (or RUN chmod +x it first), or run it through its interpreter (sh script.sh)",
    confidence: "high",
  };
};

export const runKilled: BuildAnalyzer = (b) => {
  if (!isRun(b) || b.step?.exitCode !== 137) return undefined;
  return {
    rule: "build-killed",
    cause: "the RUN step was killed (SIGKILL, exit 137): usually out of memory while compiling or installing",
    evidence: [stepLine(b), ...exitLine(b), ...output(b).filter((l) => /killed|out of memory|cannot allocate/i.test(l)).slice(-2)],
    fix: "free memory on the host, or make the step use less (fewer parallel jobs: make -j1, npm ci --maxsockets 1, GOFLAGS=-p=1)",
    confidence: "medium",
  };
};

const ERRORISH = /error|fatal|failed|cannot|can't|denied|not found|no such|abort|invalid/i;

/** When no rule names the cause: where it failed, its exit code and its last error-looking lines. */
export const buildFallback: BuildAnalyzer = (b) => {
  const lines = output(b);
  const hits = lines.filter((l) => ERRORISH.test(l)).slice(-5);
  const quoted = hits.length ? hits : lines.slice(-3);
  return {
    rule: "build-generic",
    cause: b.step ? `the ${b.step.instruction} step failed${b.step.exitCode !== undefined ? ` with exit code ${b.step.exitCode}` : ""}` : "the build failed",
    evidence: [stepLine(b), ...exitLine(b), ...(b.step ? (quoted.length ? quoted : [b.error]) : [])],
    fix: b.hint && !/last output lines are above/.test(b.hint) ? b.hint : quoted.length ? "the quoted lines are the best lead: run the step's command by hand in the previous stage's image (kitten run --rm -it <image> sh)" : "rebuild with --progress plain to see every line the step prints",
    confidence: "low",
  };
};

export const BUILD_ANALYZERS: BuildAnalyzer[] = [baseImageMissing, copySourceMissing, buildSecretMissing, dockerfileInvalid, noNetwork, missingPackage, missingFile, runCommandNotFound, runNotExecutable, runKilled];

/** Every finding for a failed build, most certain first; the fallback when no rule names a cause. */
export function analyzeBuild(b: BuildEvidence): Finding[] {
  const findings = BUILD_ANALYZERS.map((a) => a(b)).filter((f): f is Finding => f !== undefined);
  if (findings.length === 0) findings.push(buildFallback(b)!);
  const rank = { high: 0, medium: 1, low: 2 };
  return findings.sort((a, b2) => rank[a.confidence] - rank[b2.confidence]);
}
