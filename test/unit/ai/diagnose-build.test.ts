/**
 * The build analyzers on what real tools print when a build step fails: apt, apk, dnf, pip,
 * npm, yarn, pnpm and go, the shells' "not found", and the builder's own messages (a missing
 * base image, a COPY source missing or excluded by .dockerignore, a Dockerfile syntax error).
 */
import { describe, expect, test } from "bun:test";
import { analyzeBuild } from "../../../src/ai/diagnose/build-analyzers.ts";
import type { BuildEvidence } from "../../../src/ai/diagnose/evidence.ts";
import { commandNotFoundIn, missingFiles, missingPackages, networkLines } from "../../../src/ai/diagnose/package-errors.ts";
import type { FailedStep } from "../../../src/engine/state/failure-store.ts";

function run(command: string, exitCode: number, output: string[], extra: Partial<FailedStep> = {}): BuildEvidence {
  return {
    time: "2026-12-06T12:00:00.000Z",
    context: "/src/app",
    dockerfile: "/src/app/Dockerfile",
    tags: ["shop-app"],
    project: "shop",
    service: "app",
    step: { name: `[2/3] RUN ${command}`, instruction: "RUN", line: 4, original: `RUN ${command}`, command: `/bin/sh -c ${command}`, exitCode, network: "default", output, ...extra },
    error: `Dockerfile:4: [2/3] RUN ${command}: process "/bin/sh -c ${command}" did not complete successfully: exit code: ${exitCode}`,
    code: "build_step_failed",
    hint: "the step's last output lines are above",
  };
}

interface Case {
  name: string;
  evidence: BuildEvidence;
  rule: string;
  cause: string | RegExp;
  evidenceIncludes?: string;
  fixIncludes?: string;
  confidence?: "high" | "medium" | "low";
}

const APT_HEAD = ["Reading package lists...", "Building dependency tree...", "Reading state information..."];

const CASES: Case[] = [
  {
    name: "apt: a package that does not exist, after apt-get update",
    evidence: run("apt-get update && apt-get install -y --no-install-recommends libfoo-dev", 100, [
      "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]",
      "Fetched 9,124 kB in 2s (4,562 kB/s)",
      ...APT_HEAD,
      "E: Unable to locate package libfoo-dev",
    ]),
    rule: "build-missing-package",
    cause: 'the package "libfoo-dev" does not exist for apt-get',
    evidenceIncludes: "E: Unable to locate package libfoo-dev",
    fixIncludes: "apt-cache search libfoo-dev",
    confidence: "high",
  },
  {
    name: "apt: install without apt-get update (an image ships no package lists)",
    evidence: run("apt-get install -y curl", 100, [...APT_HEAD, "E: Unable to locate package curl"]),
    rule: "build-missing-package",
    cause: 'apt cannot find the package "curl": this RUN does not run apt-get update first',
    fixIncludes: 'run "apt-get update && apt-get install -y curl" in one RUN',
    confidence: "medium",
  },
  {
    name: "apt: a package with no installation candidate names its replacements",
    evidence: run("apt-get update && apt-get install -y python", 100, [
      ...APT_HEAD,
      "Package python is not available, but is referred to by another package.",
      "This may mean that the package is missing, has been obsoleted, or",
      "is only available from another source",
      "However the following packages replace it:",
      "  2to3 python-is-python3",
      "",
      "E: Package 'python' has no installation candidate",
    ]),
    rule: "build-missing-package",
    cause: /"python" exists in apt's lists but has no installation candidate/,
    evidenceIncludes: "E: Package 'python' has no installation candidate",
    fixIncludes: "2to3, python-is-python3",
  },
  {
    name: "apt: a version that does not exist",
    evidence: run("apt-get update && apt-get install -y curl=7.0.0-1", 100, [...APT_HEAD, "E: Version '7.0.0-1' for 'curl' was not found"]),
    rule: "build-missing-package",
    cause: 'apt-get has "curl" but not the version asked for',
  },
  {
    name: "apt: no network, the lists never came, so the package is not the cause",
    evidence: run("apt-get update && apt-get install -y curl", 100, [
      "Err:1 http://deb.debian.org/debian bookworm InRelease",
      "  Temporary failure resolving 'deb.debian.org'",
      "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'",
      "W: Some index files failed to download. They have been ignored, or old ones used instead.",
      ...APT_HEAD,
      "E: Unable to locate package curl",
    ]),
    rule: "build-network",
    cause: 'the RUN step could not resolve the host names it downloads from (so apt-get could not fetch "curl")',
    evidenceIncludes: "Temporary failure resolving 'deb.debian.org'",
  },
  {
    name: "apk: no such package",
    evidence: run("apk add --no-cache nosuchpkg", 1, [
      "fetch https://dl-cdn.alpinelinux.org/alpine/v3.19/main/x86_64/APKINDEX.tar.gz",
      "ERROR: unable to select packages:",
      "  nosuchpkg (no such package):",
      "    required by: world[nosuchpkg]",
    ]),
    rule: "build-missing-package",
    cause: 'the package "nosuchpkg" does not exist for apk',
    fixIncludes: "apk search nosuchpkg",
  },
  {
    name: "dnf: no match for the argument",
    evidence: run("dnf install -y nosuchpkg", 1, ["Last metadata expiration check: 0:00:01 ago on Mon Jan  1 00:00:00 2024.", "No match for argument: nosuchpkg", "Error: Unable to find a match: nosuchpkg"]),
    rule: "build-missing-package",
    cause: 'the package "nosuchpkg" does not exist for dnf',
  },
  {
    name: "pip: no matching distribution",
    evidence: run("pip install --no-cache-dir flaskk", 1, [
      "ERROR: Could not find a version that satisfies the requirement flaskk (from versions: none)",
      "ERROR: No matching distribution found for flaskk",
    ]),
    rule: "build-missing-package",
    cause: 'the package "flaskk" does not exist for pip',
    evidenceIncludes: "ERROR: Could not find a version that satisfies the requirement flaskk (from versions: none)",
    fixIncludes: "pypi.org/project/flaskk",
  },
  {
    name: "pip: a version that was never published",
    evidence: run("pip install flask==99.0", 1, [
      "ERROR: Could not find a version that satisfies the requirement flask==99.0 (from versions: 0.1, 0.2, 2.3.3, 3.0.0)",
      "ERROR: No matching distribution found for flask==99.0",
    ]),
    rule: "build-missing-package",
    cause: 'pip has "flask" but not the version asked for (flask==99.0)',
    fixIncludes: "pypi.org/project/flask",
  },
  {
    name: "pip: no network (urllib3's retries), not a missing package",
    evidence: run("pip install flask", 1, [
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f1c2b3a4d90>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/flask/",
      "ERROR: Could not find a version that satisfies the requirement flask (from versions: none)",
      "ERROR: No matching distribution found for flask",
    ]),
    rule: "build-network",
    cause: /could not resolve the host names it downloads from \(so pip could not fetch "flask"\)/,
  },
  {
    name: "pip: the requirements file was not copied in",
    evidence: { ...run("pip install -r requirements.txt", 1, ["ERROR: Could not open requirements file: [Errno 2] No such file or directory: 'requirements.txt'"]), contextFiles: [{ path: "requirements.txt", relative: "requirements.txt", inContext: true }] },
    rule: "build-missing-file",
    cause: 'the step needs "requirements.txt", which is not in the image',
    evidenceIncludes: "requirements.txt is in the build context",
    fixIncludes: "COPY requirements.txt into the image before this step",
  },
  {
    name: "npm 10: a package that is not in the registry",
    evidence: run("npm install nosuchpkg-xyz", 1, [
      "npm error code E404",
      "npm error 404 Not Found - GET https://registry.npmjs.org/nosuchpkg-xyz - Not found",
      "npm error 404",
      "npm error 404  'nosuchpkg-xyz@*' is not in this registry.",
      "npm error 404",
      "npm error 404 Note that you can also install from a",
      "npm error 404 tarball, folder, http url, or git url.",
      "npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-06T12_00_00_000Z-debug-0.log",
    ]),
    rule: "build-missing-package",
    cause: 'the package "nosuchpkg-xyz" does not exist for npm',
    evidenceIncludes: "npm error 404  'nosuchpkg-xyz@*' is not in this registry.",
    fixIncludes: "npm view nosuchpkg-xyz versions",
  },
  {
    name: "npm 8: a scoped package that is not in the registry",
    evidence: run("npm ci", 1, [
      "npm ERR! code E404",
      "npm ERR! 404 Not Found - GET https://registry.npmjs.org/@acme%2fwidgets - Not found",
      "npm ERR! 404 ",
      "npm ERR! 404  '@acme/widgets@^2.0.0' is not in this registry.",
    ]),
    rule: "build-missing-package",
    cause: 'the package "@acme/widgets" does not exist for npm',
  },
  {
    name: "npm: no matching version",
    evidence: run("npm install express@99.0.0", 1, ["npm error code ETARGET", "npm error notarget No matching version found for express@99.0.0.", "npm error notarget In most cases you or one of your dependencies are requesting"]),
    rule: "build-missing-package",
    cause: 'npm has "express" but not the version asked for (express@99.0.0)',
  },
  {
    name: "npm: the registry cannot be resolved",
    evidence: run("npm ci", 1, [
      "npm error code EAI_AGAIN",
      "npm error syscall getaddrinfo",
      "npm error errno EAI_AGAIN",
      "npm error request to https://registry.npmjs.org/express failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org",
    ]),
    rule: "build-network",
    cause: /could not resolve the host names/,
  },
  {
    name: "npm: package.json was not copied in",
    evidence: { ...run("npm ci", 254, ["npm error code ENOENT", "npm error syscall open", "npm error path /app/package.json", "npm error errno -2", "npm error enoent Could not read package.json: Error: ENOENT: no such file or directory, open '/app/package.json'"]), contextFiles: [{ path: "/app/package.json", relative: "package.json", inContext: true, ignoredBy: { file: "/src/app/.dockerignore", line: 2, pattern: "*.json" } }] },
    rule: "build-missing-file",
    cause: 'the step needs "/app/package.json", which is not in the image',
    evidenceIncludes: "package.json is in the build context but .dockerignore:2 (*.json) excludes it",
    fixIncludes: 'remove "*.json" from .dockerignore',
  },
  {
    name: "yarn: not found in the registry",
    evidence: run("yarn add nosuchpkg", 1, ['error An unexpected error occurred: "https://registry.yarnpkg.com/nosuchpkg: Not found".']),
    rule: "build-missing-package",
    cause: 'the package "nosuchpkg" does not exist for yarn',
  },
  {
    name: "pnpm: a 404 from the registry",
    evidence: run("pnpm add nosuchpkg", 1, [" ERR_PNPM_FETCH_404  GET https://registry.npmjs.org/nosuchpkg: Not Found - 404"]),
    rule: "build-missing-package",
    cause: 'the package "nosuchpkg" does not exist for pnpm',
  },
  {
    name: "go: no module provides an imported package",
    evidence: run("go build -o /out/app .", 1, ["main.go:5:2: no required module provides package github.com/acme/nosuchmod; to add it:", "\tgo get github.com/acme/nosuchmod"]),
    rule: "build-missing-package",
    cause: 'no Go module provides the package "github.com/acme/nosuchmod"',
    fixIncludes: 'go get github.com/acme/nosuchmod',
  },
  {
    name: "go: cannot find module providing package (older go)",
    evidence: run("go build ./...", 1, [
      "go: finding module for package github.com/acme/nosuchmod",
      "main.go:5:2: cannot find module providing package github.com/acme/nosuchmod: module github.com/acme/nosuchmod: reading https://proxy.golang.org/github.com/acme/nosuchmod/@v/list: 404 Not Found",
    ]),
    rule: "build-missing-package",
    cause: 'no Go module provides the package "github.com/acme/nosuchmod"',
  },
  {
    name: "go: a module version the proxy does not have",
    evidence: run("go mod download", 1, [
      "go: github.com/acme/lib@v1.2.3: reading https://proxy.golang.org/github.com/acme/lib/@v/v1.2.3.mod: 404 Not Found",
      "\tserver response: not found: github.com/acme/lib@v1.2.3: invalid version: unknown revision v1.2.3",
    ]),
    rule: "build-missing-package",
    cause: 'no Go module provides the package "github.com/acme/lib"',
  },
  {
    name: "go: the proxy cannot be reached",
    evidence: run("go mod download", 1, ['go: github.com/acme/lib@v1.2.3: Get "https://proxy.golang.org/github.com/acme/lib/@v/v1.2.3.mod": dial tcp: lookup proxy.golang.org on 10.0.2.3:53: no such host']),
    rule: "build-network",
    cause: /could not resolve the host names/,
  },
  {
    name: "a command not found in RUN (dash)",
    evidence: run("make all", 127, ["/bin/sh: 1: make: not found"]),
    rule: "build-command-not-found",
    cause: 'command not found in RUN: "make"',
    fixIncludes: "apt-get install -y make",
  },
  {
    name: "a command not found in RUN (busybox)",
    evidence: run("gcc -o app app.c", 127, ["/bin/sh: gcc: not found"]),
    rule: "build-command-not-found",
    cause: 'command not found in RUN: "gcc"',
    fixIncludes: "apk add build-base",
  },
  {
    name: "a script run by path that was not copied in",
    evidence: run("./build.sh", 127, ["/bin/sh: 1: ./build.sh: not found"]),
    rule: "build-missing-file",
    cause: 'the step needs "./build.sh", which is not in the image',
  },
  {
    name: "a script that is not executable",
    evidence: run("./build.sh", 126, ["/bin/sh: 1: ./build.sh: Permission denied"]),
    rule: "build-not-executable",
    cause: /not executable/,
    fixIncludes: "COPY --chmod=755",
  },
  {
    name: "a RUN without network",
    evidence: run("wget -q https://example.com/tool.tgz", 1, ["wget: bad address 'example.com'"], { network: "none", original: "RUN --network=none wget -q https://example.com/tool.tgz" }),
    rule: "build-network",
    cause: "the RUN step has no network: it runs with --network=none",
    evidenceIncludes: "network: none",
  },
  {
    name: "a RUN fetching from localhost, which is the step's own container",
    evidence: run("wget -q -O- http://127.0.0.1:8080/x", 1, ["wget: can't connect to remote host (127.0.0.1): Connection refused"]),
    rule: "build-network",
    cause: /localhost, which is the build step's own container/,
  },
  {
    name: "a RUN killed for memory",
    evidence: run("cargo build --release", 137, ["   Compiling serde v1.0.193", "Killed"]),
    rule: "build-killed",
    cause: /killed \(SIGKILL, exit 137\)/,
  },
  {
    name: "a RUN failing in a way no rule knows",
    evidence: run("./configure", 77, ["checking for gcc... gcc", "configure: error: C compiler cannot create executables", "See `config.log' for more details"]),
    rule: "build-generic",
    cause: "the RUN step failed with exit code 77",
    evidenceIncludes: "configure: error: C compiler cannot create executables",
    confidence: "low",
  },
];

const builder = (over: Partial<BuildEvidence>): BuildEvidence => ({ time: "t", context: "/src/app", dockerfile: "/src/app/Dockerfile", tags: ["web:1"], error: "", ...over });

const BUILDER_CASES: Case[] = [
  {
    name: "the builder: a base image that does not exist",
    evidence: builder({
      step: { name: "[1/3] FROM nodee:20", instruction: "FROM", line: 1, original: "FROM nodee:20", output: [] },
      error: "docker.io/library/nodee:20: manifest unknown: manifest unknown",
    }),
    rule: "build-base-image",
    cause: 'the base image "nodee:20" does not exist (or not with that tag)',
    evidenceIncludes: "Dockerfile:1: FROM nodee:20",
  },
  {
    name: "the builder: a base image whose registry is unreachable",
    evidence: builder({
      step: { name: "[1/2] FROM nosuchbase:1.0", instruction: "FROM", line: 1, output: [] },
      error: "docker.io/library/nosuchbase:1.0: no mirror had the image and registry docker.io is not reachable (https://registry-1.docker.io: getaddrinfo ENOTFOUND registry-1.docker.io)",
    }),
    rule: "build-base-image",
    cause: 'the base image "nosuchbase:1.0" cannot be pulled: its registry is not reachable',
    fixIncludes: "kitten image load",
  },
  {
    name: "the builder: a COPY source missing from the context",
    evidence: builder({
      step: { name: "[2/3] COPY app.py /app/", instruction: "COPY", line: 2, original: "COPY app.py /app/", output: [] },
      error: 'Dockerfile:2: COPY failed: "app.py" not found in the build context',
      code: "bad_dockerfile",
    }),
    rule: "build-copy-missing",
    cause: '"app.py" is not in the build context',
    fixIncludes: "relative to the build context (/src/app)",
  },
  {
    name: "the builder: a COPY source .dockerignore excludes, with its line",
    evidence: builder({
      step: { name: "[2/3] COPY app.py /app/", instruction: "COPY", line: 2, original: "COPY app.py /app/", output: [] },
      error: 'Dockerfile:2: COPY failed: "app.py" not found in the build context (excluded by .dockerignore)',
      code: "bad_dockerfile",
      ignoredBy: { file: "/src/app/.dockerignore", line: 3, pattern: "*.py" },
    }),
    rule: "build-copy-missing",
    cause: '"app.py" is excluded from the build context by .dockerignore',
    evidenceIncludes: ".dockerignore:3: *.py",
    fixIncludes: 'remove line 3 ("*.py") from .dockerignore, or add "!app.py" below it',
  },
  {
    name: "the builder: a Dockerfile syntax error",
    evidence: builder({ step: { name: "RUNN true", instruction: "RUNN", line: 2, original: "RUNN true", output: [] }, error: "Dockerfile:2: unknown instruction: RUNN", code: "bad_dockerfile", hint: "did you mean RUN?" }),
    rule: "build-dockerfile",
    cause: "the Dockerfile is invalid",
    fixIncludes: "did you mean RUN?",
  },
  {
    name: "the builder: a required build secret not given",
    evidence: builder({ service: "app", project: "shop", step: { name: "[2/2] RUN cat /run/secrets/npmrc", instruction: "RUN", line: 2, output: [] }, error: 'Dockerfile:2: secret "npmrc" is required but was not given', code: "bad_dockerfile" }),
    rule: "build-secret-missing",
    cause: 'the build secret "npmrc" is not available',
    fixIncludes: 'build.secrets of service "app"',
  },
];

describe("build analyzers", () => {
  test.each([...CASES, ...BUILDER_CASES].map((c) => [c.name, c] as const))("name the cause of %s", (_name, c) => {
    const findings = analyzeBuild(c.evidence);
    const f = findings[0]!;
    expect(f.rule, `rules found: ${findings.map((x) => x.rule).join(", ")}`).toBe(c.rule);
    if (typeof c.cause === "string") expect(f.cause).toBe(c.cause);
    else expect(f.cause).toMatch(c.cause);
    if (c.evidenceIncludes) expect(f.evidence.join("\n")).toContain(c.evidenceIncludes);
    if (c.fixIncludes) expect(f.fix).toContain(c.fixIncludes);
    if (c.confidence) expect(f.confidence).toBe(c.confidence);
  });

  test("every RUN finding starts with the step: Dockerfile line, stage, instruction as written", () => {
    const e = run("apt-get update && apt-get install -y nosuchpkg", 100, ["E: Unable to locate package nosuchpkg"], { stage: "build", line: 7 });
    const [f] = analyzeBuild(e);
    expect(f!.evidence.slice(0, 2)).toEqual(["Dockerfile:7 (stage build): RUN apt-get update && apt-get install -y nosuchpkg", 'exit code 100 from "/bin/sh -c apt-get update && apt-get install -y nosuchpkg"']);
  });
});

describe("reading tool output", () => {
  test("finds each missing package once, in order, with the lines that say so", () => {
    const out = ["E: Unable to locate package foo", "E: Unable to locate package bar", "E: Unable to locate package foo"];
    expect(missingPackages(out).map((p) => [p.manager, p.name, p.lines.length])).toEqual([
      ["apt", "foo", 1],
      ["apt", "bar", 1],
    ]);
  });

  test("does not take an apt progress line or an unrelated 404 for a missing package", () => {
    expect(missingPackages(["Get:1 http://deb.debian.org/debian bookworm/main amd64 libfoo1 amd64 1.0 [10 kB]", "curl: (22) The requested URL returned error: 404"])).toEqual([]);
  });

  test("names network failures only", () => {
    expect(networkLines(["Reading package lists...", "  Temporary failure resolving 'deb.debian.org'", "ok"])).toEqual(["  Temporary failure resolving 'deb.debian.org'"]);
  });

  test("tells a missing program from a missing file", () => {
    expect(commandNotFoundIn(["bash: line 1: mvn: command not found"])?.name).toBe("mvn");
    expect(commandNotFoundIn(["/bin/sh: 1: ./gradlew: not found"])).toBeUndefined();
    expect(missingFiles(["/bin/sh: 1: ./gradlew: not found"]).map((f) => f.path)).toEqual(["./gradlew"]);
    expect(missingFiles(["python: can't open file '/app/main.py': [Errno 2] No such file or directory"]).map((f) => f.path)).toEqual(["/app/main.py"]);
    expect(missingFiles(["go: go.mod file not found in current directory or any parent directory; see 'go help modules'"]).map((f) => f.path)).toEqual(["go.mod"]);
  });
});
