/**
 * What package managers and build tools print when a build step fails for want of something:
 * a package that does not exist (or not in that version), a file the step expected, or the
 * network. Each pattern is the tool's own wording (apt, apk, dnf/yum, pip, npm, yarn, pnpm, go),
 * matched on the step's last output lines. Pure.
 */

export type Manager = "apt" | "apk" | "dnf" | "pip" | "npm" | "yarn" | "pnpm" | "go";

export interface MissingPackage {
  manager: Manager;
  /** the package (or module), without a version */
  name: string;
  /** what was asked for when it names a version: "flask==99.0", "express@99.0.0" */
  requested?: string;
  /** "package": no such package; "version": the package exists but not that version; "candidate": known but not installable */
  kind: "package" | "version" | "candidate";
  /** the lines that say so */
  lines: string[];
  /** apt: what replaces a package with no installation candidate */
  replacements?: string[];
}

interface Rule {
  manager: Manager;
  kind: MissingPackage["kind"];
  re: RegExp;
}

/** The first capture group is the package; order matters: the most specific wording first. */
const RULES: Rule[] = [
  // apt (apt-pkg's messages: "Unable to locate package %s", "Package '%s' has no installation candidate")
  { manager: "apt", kind: "package", re: /^E: Unable to locate package (\S+)/ },
  { manager: "apt", kind: "candidate", re: /^E: Package '([^']+)' has no installation candidate/ },
  { manager: "apt", kind: "version", re: /^E: Version '[^']+' for '([^']+)' was not found/ },
  { manager: "apt", kind: "package", re: /^E: Couldn't find any package by (?:glob|regex) '([^']+)'/ },
  // apk: "ERROR: unable to select packages:" then "  name (no such package):"
  { manager: "apk", kind: "package", re: /^\s*(\S+) \(no such package\):?/ },
  // dnf / yum
  { manager: "dnf", kind: "package", re: /^Error: Unable to find a match: (\S+)/ },
  { manager: "dnf", kind: "package", re: /^No match for argument: (\S+)/ },
  { manager: "dnf", kind: "package", re: /^No package (\S+) available\./ },
  // pip: "No matching distribution found for X" after "Could not find a version that satisfies the requirement X (from versions: …)"
  { manager: "pip", kind: "package", re: /^(?:ERROR: )?No matching distribution found for (\S+)/ },
  // npm (npm ERR! before v10, npm error since)
  { manager: "npm", kind: "package", re: /^npm (?:ERR!|error) 404 +'(.+?)@[^@']*' is not in (?:this|the npm) registry/ },
  { manager: "npm", kind: "package", re: /^npm (?:ERR!|error) 404 Not Found - GET https?:\/\/\S+?\/((?:@[^/%\s]+(?:%2[fF]|\/))?[^/\s]+?) - Not found/ },
  { manager: "npm", kind: "version", re: /^npm (?:ERR!|error) notarget No matching version found for ((?:@[^/\s]+\/)?[^@\s]+@\S+?)\.?$/ },
  { manager: "yarn", kind: "package", re: /^error An unexpected error occurred: "https?:\/\/[^"]+?\/((?:@[^/%"]+(?:%2[fF]|\/))?[^/"]+): Not found"/ },
  { manager: "pnpm", kind: "package", re: /ERR_PNPM_FETCH_404\s+GET https?:\/\/\S+?\/((?:@[^/%\s]+(?:%2[fF]|\/))?[^/\s:]+): Not Found/ },
  // go: "no required module provides package X", "cannot find module providing package X",
  // "go: X@v: reading https://proxy…: 404 Not Found", "X@v: invalid version: unknown revision v"
  { manager: "go", kind: "package", re: /no required module provides package ([^\s;]+)/ },
  { manager: "go", kind: "package", re: /cannot find module providing package ([^\s:]+)/ },
  { manager: "go", kind: "version", re: /^go: ([^\s@]+)@\S+: invalid version: unknown revision/ },
  { manager: "go", kind: "package", re: /^go: (?:downloading )?([^\s@]+)@\S+: reading \S+: 404 Not Found/ },
];

/** The packages the output says are missing, in the order they were reported, one per name. */
export function missingPackages(output: string[]): MissingPackage[] {
  const found = new Map<string, MissingPackage>();
  output.forEach((line, i) => {
    for (const rule of RULES) {
      const m = rule.re.exec(line);
      if (!m) continue;
      const spec = decodeURIComponent(m[1]!).replace(/^['"]|['",]$/g, "");
      // "flask==99.0" → flask; "express@99.0.0", "@acme/ui@2" → express, @acme/ui
      const name = rule.manager === "pip" ? spec.split(/[<>=!~;[\s]/)[0]! : rule.kind === "version" && rule.manager === "npm" ? spec.replace(/(.)@[^@]*$/, "$1") : spec;
      const key = `${rule.manager}:${name}`;
      const entry: MissingPackage = found.get(key) ?? { manager: rule.manager, name, kind: rule.kind, lines: [], ...(spec !== name ? { requested: spec } : {}) };
      if (!entry.lines.includes(line)) entry.lines.push(line);
      // pip's first line names the version asked and the ones that exist
      if (rule.manager === "pip") {
        const before = output.slice(Math.max(0, i - 3), i).find((l) => /Could not find a version that satisfies the requirement/.test(l));
        if (before) {
          entry.lines.unshift(before);
          if (!/\(from versions: ?(?:none)?\)/.test(before)) entry.kind = "version";
        }
      }
      if (rule.manager === "apt" && rule.kind === "candidate") {
        const at = output.findIndex((l) => /However the following packages replace it:/.test(l));
        if (at >= 0 && output[at + 1]) entry.replacements = output[at + 1]!.trim().split(/\s+/);
      }
      found.set(key, entry);
      break;
    }
  });
  return [...found.values()];
}

/** What the tools print when the step cannot reach the network (DNS, no route, refused, timeouts). */
const NETWORK = [
  /Temporary failure (?:resolving|in name resolution)/i,
  /Could not resolve (?:host|'|")/i,
  /Couldn't resolve host/i,
  /\bgetaddrinfo\b.*\b(?:EAI_AGAIN|ENOTFOUND)\b/,
  /\b(?:EAI_AGAIN|ENOTFOUND|ENETUNREACH|EHOSTUNREACH)\b/,
  /bad address '/,
  /\bno such host\b/,
  /Name or service not known/,
  /Network is unreachable|network unreachable/i,
  /Failed to establish a new connection/,
  /\bi\/o timeout\b/,
  /Connection timed out|ETIMEDOUT/,
  /(?:Could not|Unable to|can't) connect to/i,
  /DNS lookup error|temporary error \(try again later\)/,
];

export function networkLines(output: string[]): string[] {
  return output.filter((l) => NETWORK.some((re) => re.test(l)));
}

/** A file the step expected and did not find, as the tools say it. */
const MISSING_FILE: RegExp[] = [
  /Could not open requirements file: \[Errno 2\] No such file or directory: '([^']+)'/,
  /can't open file '([^']+)': \[Errno 2\] No such file or directory/,
  /npm (?:ERR!|error) .*ENOENT: no such file or directory, open '([^']+)'/,
  /^go: (go\.mod) file not found/,
  /^(?:\S+: )?can't (?:open|stat) '([^']+)': No such file or directory/,
  /^(?:cat|cp|mv|chmod|ls|stat|source|\.): (?:cannot (?:open|stat|access) )?'?([^':\s]+)'?: No such file or directory/,
  /^(?:\/bin\/)?(?:ba|da)?sh: (?:\d+: )?(?:line \d+: )?(?:can't open )?'?(\.{0,2}\/[^':\s]+)'?: (?:not found|No such file or directory)/,
];

/** Files the output says are missing, as written (relative or absolute paths in the image). */
export function missingFiles(output: string[]): Array<{ path: string; line: string }> {
  const out: Array<{ path: string; line: string }> = [];
  for (const line of output) {
    for (const re of MISSING_FILE) {
      const m = re.exec(line);
      if (m && !out.some((o) => o.path === m[1])) {
        out.push({ path: m[1]!, line });
        break;
      }
    }
  }
  return out;
}

/** The program a shell or the runtime could not find (exit 127), as the shells word it; a path is a missing file (missingFiles). */
export function commandNotFoundIn(output: string[]): { name: string; line: string } | undefined {
  const res = [
    /exec: "([^"]+)": executable file not found/,
    /^(?:\/bin\/)?(?:ba|da)?sh: (?:\d+: )?(?:line \d+: )?([^:\s/]+): (?:command )?not found/,
    /^([^:\s/]+): (?:command )?not found$/,
  ];
  for (const line of [...output].reverse()) {
    for (const re of res) {
      const m = re.exec(line);
      if (m) return { name: m[1]!, line };
    }
  }
  return undefined;
}

/** The package that usually brings a missing build tool, per distribution family. */
const TOOL_PACKAGES: Record<string, { apt: string; apk: string }> = {
  make: { apt: "make", apk: "make" },
  gcc: { apt: "gcc (or build-essential)", apk: "build-base" },
  "g++": { apt: "g++ (or build-essential)", apk: "build-base" },
  cc: { apt: "build-essential", apk: "build-base" },
  git: { apt: "git", apk: "git" },
  curl: { apt: "curl", apk: "curl" },
  wget: { apt: "wget", apk: "wget" },
  python: { apt: "python-is-python3", apk: "python3" },
  python3: { apt: "python3", apk: "python3" },
  pip: { apt: "python3-pip", apk: "py3-pip" },
  pip3: { apt: "python3-pip", apk: "py3-pip" },
  node: { apt: "nodejs", apk: "nodejs" },
  npm: { apt: "npm", apk: "npm" },
  go: { apt: "golang", apk: "go" },
  bash: { apt: "bash", apk: "bash" },
  unzip: { apt: "unzip", apk: "unzip" },
  gpg: { apt: "gnupg", apk: "gnupg" },
};

export function toolPackage(name: string): { apt: string; apk: string } | undefined {
  return TOOL_PACKAGES[name];
}
