/**
 * Every hostile input in test/fixtures/bad/ (each file may name what its error must say with a
 * first line `# expect: ...`) and a set of hostile flags, typed as a user or a script would
 * (issue #14). Each one must end within its time bound with exit 2 (or 1 for a runtime
 * failure), exactly one `error:` line and one `hint:` line after it, no stack trace, nothing on
 * stdout — and `up` must leave nothing behind: no namespace, no supervisor, no network plan, no
 * process.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, kitten, processesWith, removeRoot, requireBinary, tempRoot } from "./helpers.ts";

requireBinary();
setDefaultTimeout(120_000);

const BAD = join(REPO, "test/fixtures/bad");
const BOUND_MS = 20_000;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

let root: string;
let scratch: string;
beforeAll(() => {
  root = tempRoot();
  scratch = mkdtempSync(join(tmpdir(), "kitten-hostile-flags-"));
  writeFileSync(join(scratch, "ok.yaml"), "name: okproj\nservices:\n  web:\n    image: ./no-such-rootfs\n");
  // an environment value execve would refuse (it cannot even be passed on kitten's own command line)
  writeFileSync(join(scratch, "big.env"), `BIG=${"x".repeat(200_000)}\n`);
});
afterAll(() => {
  removeRoot(root);
  rmSync(scratch, { recursive: true, force: true });
});

async function run(args: string[], cwd: string): Promise<Outcome> {
  const t0 = performance.now();
  const r = await kitten(args, { cwd, env: { KITTEN_ROOT: root }, timeoutMs: BOUND_MS });
  return { ...r, ms: performance.now() - t0 };
}

/** the shape every refusal has */
function expectRefusal(o: Outcome, label: string, expected?: string): void {
  const lines = o.stderr.trimEnd().split("\n").filter((l) => !l.startsWith("warning: "));
  const shown = { label, refused: o.code === 1 || o.code === 2, stdout: o.stdout, lines };
  expect(shown).toEqual({ label, refused: true, stdout: "", lines: [expect.stringMatching(/^error: \S/), expect.stringMatching(/^hint: \S/)] });
  expect(o.ms).toBeLessThan(BOUND_MS);
  expect(o.stderr).not.toContain("bug in kitten");
  if (expected) expect({ label, error: lines[0] }).toEqual({ label, error: expect.stringContaining(expected) });
}

const entries = readdirSync(BAD).sort();
const expectation = (name: string): string | undefined => {
  const p = join(BAD, name);
  if (statSync(p).isDirectory()) return undefined;
  const first = readFileSync(p).subarray(0, 4096).toString("latin1").split("\n")[0]!;
  return /^# expect: (.+)$/.exec(first)?.[1];
};

describe("hostile compose files", () => {
  test("the corpus holds at least 100 hostile files", () => {
    expect(entries.length).toBeGreaterThanOrEqual(100);
  });

  test.each(entries)("%s is refused by config and by up, leaving nothing", async (name) => {
    const dir = statSync(join(BAD, name)).isDirectory();
    const fileArgs = dir ? [] : ["-f", join(BAD, name)];
    const cwd = dir ? join(BAD, name) : BAD;
    const expected = expectation(name);
    expectRefusal(await run(["config", ...fileArgs], cwd), `config ${name}`, expected);
    expectRefusal(await run(["up", "-d", ...fileArgs], cwd), `up ${name}`, expected);
  });

  test("up left nothing behind for any of them", () => {
    const run = join(root, "run");
    const ns = join(run, "ns");
    expect(existsSync(ns) ? readdirSync(ns) : []).toEqual([]);
    const sup = join(run, "sup");
    expect(existsSync(sup) ? readdirSync(sup).filter((f) => f.endsWith(".sock")) : []).toEqual([]);
    const plans = join(root, "data", "networks");
    expect(existsSync(plans) ? readdirSync(plans).filter((f) => f.endsWith(".json")) : []).toEqual([]);
    expect(processesWith(root)).toEqual([]);
  });
});

/** hostile flags: [argv, what the error says]; ok.yaml is a valid file whose image does not exist */
const FLAG_SETS: Array<[string[], string]> = [
  [["ps", "-p", "../../etc"], 'invalid project name "../../etc"'],
  [["down", "-p", "../../../x/victim"], "invalid project name"],
  [["logs", "-p", "a/b"], "invalid project name"],
  [["up", "-d", "-p", "-x", "-f", "ok.yaml"], "invalid project name"],
  [["up", "-d", "-p", `p${"x".repeat(300)}`, "-f", "ok.yaml"], "longer than 128 bytes"],
  [["down", "-p", `p${"x".repeat(128)}`], "longer than 128 bytes"],
  [["up", "-d", "-p", "UPPER", "-f", "ok.yaml"], 'invalid project name "UPPER"'],
  [["config", "-f", "/etc"], "not a file: /etc"],
  [["config", "-f", "/nonexistent/compose.yaml"], "file not found"],
  [["config", "-f", "/bin/true"], "not a text file"],
  [["config", "-f", "/dev/zero"], "/dev/zero is larger than 64 MB"],
  [["config", "-f", "ok.yaml", "--env-file", "/etc"], "is a directory"],
  [["config", "-f", "ok.yaml", "--env-file", "/etc/hostname-does-not-exist"], "file not found"],
  [["config", "-f", "ok.yaml", "--format", "xml"], 'unknown format "xml"'],
  [["up", "-d", "-f", "ok.yaml", "--scale", "web=-1"], "web=-1"],
  [["up", "-d", "-f", "ok.yaml", "--scale", "web=abc"], "web=abc"],
  [["up", "-d", "-f", "ok.yaml", "--scale", "nosuch=2"], "no such service: nosuch"],
  [["up", "-d", "-f", "ok.yaml", "--pull", "sometimes"], 'invalid --pull option "sometimes"'],
  [["run", "--user", "99999999999", "./no-such-rootfs"], "is not mapped in the container's user namespace"],
  [["run", "--hostname", "h".repeat(300), "./no-such-rootfs"], "hostname is 300 bytes"],
  [["run", "--tmpfs", "/x:size=abc", "./no-such-rootfs"], 'size "abc" is not a size'],
  [["run", "--tmpfs", "/", "./no-such-rootfs"], "would replace the container's root filesystem"],
  [["run", "--ulimit", "nofile=20:10", "./no-such-rootfs"], "above the hard limit"],
  [["run", "--ulimit", "nofile", "./no-such-rootfs"], "expected name=soft[:hard]"],
  [["run", "--add-host", "bad host:1.2.3.4", "./no-such-rootfs"], "is not a host name"],
  [["run", "-w", "relative", "./no-such-rootfs"], "must be an absolute path"],
  [["run", "--memory", "-5", "./no-such-rootfs"], '"-5" is not a size'],
  [["run", "--cpus", "-1", "./no-such-rootfs"], '"-1" is not a positive number'],
  [["run", "--name", "../escape", "./no-such-rootfs"], "invalid container name"],
  [["run", "--network", "../x", "./no-such-rootfs"], "is not a valid network name"],
  [["run", "--stop-signal", "SIGNOPE", "./no-such-rootfs"], "is not a signal"],
  [["run", "-v", "data:/", "./no-such-rootfs"], "would replace the container's root filesystem"],
  [["pull", "UPPER/Case:tag"], "UPPER/Case"],
  [["pull", "../../etc/passwd"], "../../etc/passwd"],
  [["image", "import", "/nonexistent.tar", "x:y"], "no such file or directory"],
  [["image", "import", "/etc/hostname", "../../x"], "../../x"],
  [["run", "--pids-limit", "lots", "./no-such-rootfs"], '"lots" is not an integer'],
  [["run", "--env-file", "big.env", "./no-such-rootfs"], "more than the kernel's 131072 for one variable"],
];

describe("hostile flags", () => {
  test("there are at least 30 hostile flag sets", () => expect(FLAG_SETS.length).toBeGreaterThanOrEqual(30));
  test.each(FLAG_SETS.map(([argv, e]) => [argv.join(" ").slice(0, 80), argv, e] as const))("%s", async (_label, argv, expected) => {
    expectRefusal(await run(argv, scratch), argv.join(" ").slice(0, 80), expected);
  });
});
