import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K8sFileReader, PartialJoiner, parseK8sFileLine, projectLogs, tailLines, type LogContainer, type LogLine } from "../../../../src/engine/orchestrate/logs.ts";
import { parseTimeArg, timeKey } from "../../../../src/engine/orchestrate/log-time.ts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "kitten-logs-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rec = (sec: number, text: string, stream = "stdout", tag = "F") => `2026-01-01T00:00:${String(sec).padStart(2, "0")}.000000001Z ${stream} ${tag} ${text}\n`;
const show = (lines: LogLine[]) => lines.map((l) => `${l.container}|${l.text.trimEnd()}`);

describe("k8s-file records", () => {
  test.each([
    ["2026-01-01T00:00:00.1Z stdout F hello world", { time: "2026-01-01T00:00:00.1Z", stream: "stdout", text: "hello world\n" }],
    ["2026-01-01T00:00:00.1Z stderr P part", { time: "2026-01-01T00:00:00.1Z", stream: "stderr", text: "part" }],
    ["2026-01-01T00:00:00.1Z stdout F", { time: "2026-01-01T00:00:00.1Z", stream: "stdout", text: "\n" }],
    ["garbage", undefined],
  ])("%p parses", (line, expected) => {
    expect(parseK8sFileLine(line)).toEqual(expected as never);
  });

  test("tail counts whole lines, a partial record going with the line it starts", () => {
    const records = [rec(1, "a"), rec(2, "b", "stdout", "P"), rec(3, "c"), rec(4, "d")].map((l) => parseK8sFileLine(l.trimEnd())!);
    expect(tailLines(records, 2).map((r) => r.text)).toEqual(["b", "c\n", "d\n"]);
    expect(tailLines(records, 0)).toEqual([]);
    expect(tailLines(records, 10).length).toBe(4);
  });

  test("time keys order nanosecond and millisecond timestamps and offsets correctly", () => {
    const keys = ["2026-01-01T00:00:01.5Z", "2026-01-01T00:00:01.000000002Z", "2026-01-01T01:00:01.2+01:00"].map(timeKey);
    expect([...keys].sort()).toEqual([keys[1]!, keys[2]!, keys[0]!]);
  });

  test.each([
    ["10m", "2026-01-01T11:50:00.000Z"],
    ["1700000000", "2023-11-14T22:13:20.000Z"],
    ["2026-01-01T10:00:00Z", "2026-01-01T10:00:00.000Z"],
  ])("--since %s means %s", (arg, iso) => {
    expect(parseTimeArg(arg, "--since", Date.parse("2026-01-01T12:00:00Z"))).toBe(iso);
  });

  test("refuses a --since that is neither a time nor a duration", () => {
    expect(() => parseTimeArg("yesterday", "--since")).toThrow('--since: "yesterday" is not a timestamp or a duration');
  });
});

describe("project logs", () => {
  function world() {
    const containers: LogContainer[] = [];
    const files = { containers: () => containers, open: (p: string) => new K8sFileReader(p) };
    const file = (name: string) => join(dir, `${name}.log`);
    return { containers, files, file };
  }

  test("interleaves the containers' lines by time, with --tail per container and --since/--until", async () => {
    const w = world();
    writeFileSync(w.file("a"), rec(1, "a1") + rec(3, "a3") + rec(5, "a5"));
    writeFileSync(w.file("b"), rec(2, "b2") + rec(4, "b4"));
    w.containers.push({ name: "p-a-1", service: "a", logPath: w.file("a") }, { name: "p-b-1", service: "b", logPath: w.file("b") });
    const all: LogLine[] = [];
    await projectLogs(w.files, {}, (l) => all.push(l));
    expect(show(all)).toEqual(["p-a-1|a1", "p-b-1|b2", "p-a-1|a3", "p-b-1|b4", "p-a-1|a5"]);
    const tail: LogLine[] = [];
    await projectLogs(w.files, { tail: 1 }, (l) => tail.push(l));
    expect(show(tail)).toEqual(["p-b-1|b4", "p-a-1|a5"]);
    const window: LogLine[] = [];
    await projectLogs(w.files, { since: "2026-01-01T00:00:02Z", until: "2026-01-01T00:00:04Z" }, (l) => window.push(l));
    expect(show(window)).toEqual(["p-b-1|b2", "p-a-1|a3"]);
  });

  test("follow keeps following through two restarts, a new replica and a recreated container", async () => {
    const w = world();
    writeFileSync(w.file("a"), rec(1, "first run"));
    w.containers.push({ name: "p-a-1", service: "a", logPath: w.file("a") });
    const seen: LogLine[] = [];
    const abort = new AbortController();
    const steps = [
      () => appendFileSync(w.file("a"), rec(2, "second run")),
      () => appendFileSync(w.file("a"), rec(3, "third run")),
      () => {
        writeFileSync(w.file("a2"), rec(4, "replica two"));
        w.containers.push({ name: "p-a-2", service: "a", logPath: w.file("a2") });
      },
      () => {
        // recreated: the same name with a fresh log file
        w.containers[0] = { name: "p-a-1", service: "a", logPath: w.file("a-new") };
        writeFileSync(w.file("a-new"), rec(5, "recreated"));
      },
      () => abort.abort(),
    ];
    let tick = 0;
    await projectLogs(w.files, { follow: true, signal: abort.signal, sleep: async () => steps[tick++]?.() }, (l) => seen.push(l));
    expect(show(seen)).toEqual(["p-a-1|first run", "p-a-1|second run", "p-a-1|third run", "p-a-2|replica two", "p-a-1|recreated"]);
  });

  test("a log file truncated in place is read again from its start", async () => {
    const w = world();
    writeFileSync(w.file("a"), rec(1, "old line that is long"));
    w.containers.push({ name: "p-a-1", service: "a", logPath: w.file("a") });
    const seen: LogLine[] = [];
    const abort = new AbortController();
    const steps = [() => writeFileSync(w.file("a"), rec(2, "new")), () => abort.abort()];
    let tick = 0;
    await projectLogs(w.files, { follow: true, signal: abort.signal, sleep: async () => steps[tick++]?.() }, (l) => seen.push(l));
    expect(show(seen)).toEqual(["p-a-1|old line that is long", "p-a-1|new"]);
  });
});

describe("project logs, stopping", () => {
  test("a follow stopped right after a container wrote its last line still shows that line", async () => {
    const file = join(dir, "a.log");
    writeFileSync(file, rec(1, "first"));
    const containers: LogContainer[] = [{ name: "p-a-1", service: "a", logPath: file }];
    const seen: LogLine[] = [];
    const abort = new AbortController();
    await projectLogs(
      { containers: () => containers, open: (p) => new K8sFileReader(p) },
      {
        follow: true,
        signal: abort.signal,
        sleep: async () => {
          appendFileSync(file, rec(2, "last words"));
          abort.abort();
        },
      },
      (l) => seen.push(l),
    );
    expect(show(seen)).toEqual(["p-a-1|first", "p-a-1|last words"]);
  });
});

describe("partial lines", () => {
  test("a line written in pieces comes out whole, once, per container and stream; an open one is flushed as it is", () => {
    const j = new PartialJoiner();
    const l = (container: string, text: string, stream: "stdout" | "stderr" = "stdout") => ({ time: "2026-01-01T00:00:00Z", stream, text, container, service: "s" });
    expect(j.push([l("a", "par"), l("b", "other\n"), l("a", "t-"), l("a", "err", "stderr")])).toEqual([l("b", "other\n")]);
    expect(j.push([l("a", "joined\n")])).toEqual([l("a", "part-joined\n")]);
    expect(j.flush()).toEqual([l("a", "err", "stderr")]);
  });
});

describe("resuming a reader (the API's Last-Event-ID)", () => {
  test("a character split across two writes stays whole, and the position is after the last complete record", () => {
    const f = join(dir, "u.log");
    const line = rec(1, "grüße");
    const bytes = Buffer.from(line);
    const cut = bytes.indexOf(Buffer.from("ü")) + 1; // inside the two bytes of ü
    writeFileSync(f, bytes.subarray(0, cut));
    const r = new K8sFileReader(f);
    expect(r.read()).toEqual([]);
    expect(r.position().offset).toBe(0);
    appendFileSync(f, bytes.subarray(cut));
    expect(r.read().map((x) => x.text)).toEqual(["grüße\n"]);
    expect(r.position().offset).toBe(bytes.length);
  });

  test("a new reader from a position reads only what came after; a replaced file is read from its start", () => {
    const f = join(dir, "p.log");
    writeFileSync(f, rec(1, "one") + rec(2, "two"));
    const first = new K8sFileReader(f);
    first.read();
    const at = first.position();
    appendFileSync(f, rec(3, "three"));
    expect(new K8sFileReader(f, at).read().map((x) => x.text)).toEqual(["three\n"]);
    rmSync(f);
    writeFileSync(f, rec(4, "new file"));
    expect(new K8sFileReader(f, at).read().map((x) => x.text)).toEqual(["new file\n"]);
  });

  test("projectLogs resumes each container from its cursor without --tail, and reports the cursor after each read", async () => {
    const a = join(dir, "a.log");
    const b = join(dir, "b.log");
    writeFileSync(a, rec(1, "a1") + rec(3, "a3"));
    writeFileSync(b, rec(2, "b2"));
    const containers: LogContainer[] = [
      { name: "a", service: "a", logPath: a },
      { name: "b", service: "b", logPath: b },
    ];
    const files = { containers: () => containers, open: (p: string, from?: { ino: number; offset: number }) => new K8sFileReader(p, from) };
    const cursors: Array<Record<string, { ino: number; offset: number }>> = [];
    const seen: LogLine[] = [];
    await projectLogs(files, { tail: 1, onTick: (c) => cursors.push(c) }, (l) => seen.push(l));
    expect(show(seen)).toEqual(["b|b2", "a|a3"]);
    appendFileSync(a, rec(4, "a4"));
    const again: LogLine[] = [];
    await projectLogs(files, { tail: 1, from: cursors.at(-1)! }, (l) => again.push(l));
    expect(show(again)).toEqual(["a|a4"]);
  });
});
