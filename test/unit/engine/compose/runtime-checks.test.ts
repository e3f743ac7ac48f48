/** What runc or the kernel would refuse is refused at load, with the key's location and a hint (#14). */
import { describe, expect, test } from "bun:test";
import { extraHostProblem, hostnameProblem, signalProblem, tmpfsProblem, ulimitProblem, userProblem, type HostIds } from "../../../../src/engine/compose/runtime-checks.ts";
import { loadError, load } from "./helpers.ts";

const IDS: HostIds = { maxUid: 65536, maxGid: 65536, source: "test" };

describe("refused by config before anything is created", () => {
  test.each([
    ["a uid beyond the mapped range", "user: '99999999999'", "user uid 99999999999 is not mapped", 2],
    ["a gid beyond the mapped range", "user: '1000:70000'", "gid 70000 is not mapped", 2],
    ["a malformed user", "user: 'a:b:c'", "is not user, user:group", 2],
    ["a 300-byte hostname", `hostname: ${"h".repeat(300)}`, "hostname is 300 bytes, more than the kernel's 64", 2],
    ["a hostname with spaces", "hostname: 'a b'", "has characters a host name cannot have", 2],
    ["an unparseable tmpfs size", "tmpfs: ['/x:size=abc']", 'size "abc" is not a size', 2],
    ["an unknown tmpfs option", "tmpfs: ['/x:bind']", 'unknown tmpfs option "bind"', 2],
    ["a tmpfs uid outside the map", "tmpfs: ['/x:uid=99999999']", 'uid "99999999" is not a uid the container has', 2],
    ["a tmpfs over the root", "tmpfs: ['/x/../']", "must not contain", 2],
    ["a tmpfs on /", "tmpfs: ['/']", "would replace the container's root filesystem", 2],
    ["a relative tmpfs", "tmpfs: ['x']", "must be absolute", 2],
    ["a volume on /", "volumes: ['./data:/']", "would replace the container's root filesystem", 2],
    ["a bad extra host name", "extra_hosts: ['bad host:10.0.0.1']", 'extra host "bad host:10.0.0.1": "bad host" is not a host name', 2],
    ["an extra host that is not an IP", "extra_hosts: ['db:not-an-ip']", '"not-an-ip" is not an IP address', 2],
    ["an unknown ulimit", "ulimits: {nofiles: 10}", 'unknown ulimit "nofiles"', 2],
    ["a soft ulimit above the hard one", "ulimits: {nofile: {soft: 20, hard: 10}}", "the soft limit 20 is above the hard limit 10", 2],
    ["a ulimit beyond 2^53", "ulimits: {nofile: 99999999999999999999}", "is too large", 2],
    ["a negative ulimit", "ulimits: {nofile: -5}", "out of range", 2],
    ["a relative working_dir", "working_dir: app", 'working_dir "app" must be an absolute path', 2],
    ["an unknown stop signal", "stop_signal: SIGNOPE", 'stop_signal "SIGNOPE" is not a signal', 2],
    ["a 1 KB memory limit", "deploy: {resources: {limits: {memory: 1k}}}", "below the 6 MiB", 2],
    ["a negative memory limit", "deploy: {resources: {limits: {memory: -5}}}", "invalid memory size", 2],
    ["negative cpus", "deploy: {resources: {limits: {cpus: -1}}}", 'invalid cpus "-1"', 2],
    ["a 200 KB environment value", `environment: {BIG: ${"x".repeat(200 * 1024)}}`, "more than the kernel's 131072 for one variable", 2],
    ["3 MB of environment", `environment: {${Array.from({ length: 30 }, (_, i) => `V${i}: ${"x".repeat(100_000)}`).join(", ")}}`, "more than the kernel's 2097152", 2],
    ["a 200 KB argument", `command: [echo, ${"x".repeat(200 * 1024)}]`, "command argument 1 is", 2],
  ])("%s", (_name, key, message) => {
    const err = loadError(`services:\n  web:\n    image: x\n    ${key}\n`);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(message);
    expect(err.location?.file).toBe("compose.yaml");
    expect(err.location?.line).toBeGreaterThanOrEqual(3);
    expect(err.hint).toBeDefined();
  });

  test("accepts what runc and the kernel take", () => {
    const p = load(
      [
        "services:",
        "  web:",
        "    image: x",
        "    user: '1000:1000'",
        "    hostname: web-1.local",
        "    tmpfs: ['/run:size=64m,mode=1777,uid=1000,noexec', '/tmp:size=10%']",
        "    extra_hosts: ['db:10.0.0.5', 'v6=::1', 'gw:host-gateway']",
        "    ulimits: {nofile: {soft: 1024, hard: 4096}, core: -1, nproc: 65535}",
        "    working_dir: /app",
        "    stop_signal: SIGRTMIN+3",
        "    deploy: {resources: {limits: {memory: 6m}}}",
      ].join("\n"),
    );
    expect(p.services.web!.hostname).toBe("web-1.local");
  });
});

describe("the checks themselves", () => {
  test("user: numeric ids against the map, names left to the image", () => {
    expect(userProblem("65536", IDS)).toBeUndefined();
    expect(userProblem("65537", IDS)).toContain("not mapped");
    expect(userProblem("postgres", IDS)).toBeUndefined();
    expect(userProblem("app:staff", IDS)).toBeUndefined();
    expect(userProblem("a b", IDS)).toBeDefined();
  });
  test.each(["a", "web", "x".repeat(64), "my_host.example.com"])("hostname %p is fine", (h) => expect(hostnameProblem(h)).toBeUndefined());
  test.each(["", "x".repeat(65), "-x", "a/b", "a\nb", "é"])("hostname %p is refused", (h) => expect(hostnameProblem(h)).toBeDefined());
  test.each(["/x", "/x:size=1g", "/x:size=50%,nr_inodes=10k,mpol=bind:0-3,huge=always"])("tmpfs %p is fine", (t) => expect(tmpfsProblem(t, IDS)).toBeUndefined());
  test.each(["/x:", "/x:size=", "/x:mode=999", "/x:rbind", "/x:size=1m,,ro", "/..", "/a/../../b"])("tmpfs %p is refused", (t) => expect(tmpfsProblem(t, IDS)).toBeDefined());
  test("extra hosts and signals", () => {
    expect(extraHostProblem("h:[::1]")).toBeUndefined();
    expect(extraHostProblem("h:1.2.3")).toBeDefined();
    expect(signalProblem("9")).toBeUndefined();
    expect(signalProblem("KILL")).toBeUndefined();
    expect(signalProblem("65")).toBeDefined();
  });
  test("ulimits: -1 is unlimited, soft may not pass hard", () => {
    expect(ulimitProblem("nofile", -1, -1)).toBeUndefined();
    expect(ulimitProblem("nofile", 10, -1)).toBeUndefined();
    expect(ulimitProblem("nofile", -1, 10)).toContain("above the hard limit");
  });
});

describe("secret and config names and targets", () => {
  test.each([
    ["a secret target climbing out of /run/secrets", "secrets: [{source: s, target: ../../etc/passwd}]", "secrets:\n  s: {environment: HOME}", 'invalid secret target "../../etc/passwd": it must not contain ".."'],
    ["a config target with ..", "configs: [{source: c, target: /etc/../../x}]", "configs:\n  c: {content: x}", 'invalid config target "/etc/../../x"'],
    ["a secret named ..", "labels: {a: b}", 'secrets:\n  "..": {environment: HOME}', 'invalid secret name ".."'],
    ["a config whose name is a path", "configs: [c]", "configs:\n  c: {content: x, name: ../../x}", 'invalid config name "../../x"'],
  ])("refuses %s", (_label, use, top, message) => {
    const err = loadError(`services:\n  web:\n    image: x\n    ${use}\n${top}\n`);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(message);
    expect(err.location?.line).toBeDefined();
    expect(err.hint).toBeDefined();
  });
});
