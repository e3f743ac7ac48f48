import { afterEach, describe, expect, test } from "bun:test";
import { containerProcesses, descendants, findMonitor, parseStat, parseStatus, sampleUsage, scanProcs, type ProcInfo } from "../../../../src/engine/orchestrate/proc-stats.ts";

const proc = (pid: number, ppid: number, argv: string[], extra: Partial<ProcInfo> = {}): ProcInfo => ({
  pid,
  ppid,
  comm: argv[0]?.split("/").pop() ?? "",
  state: "S",
  cpuTicks: 0,
  startTicks: 0,
  rssKb: 100,
  uid: 0,
  argv,
  ...extra,
});

describe("/proc parsing", () => {
  test("reads stat fields after a command name with spaces and parentheses", () => {
    const line = "4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 555 1000 10 18446744073709551615";
    expect(parseStat(line)).toEqual({ pid: 4242, comm: "my (odd) app", state: "S", ppid: 1, cpuTicks: 10, startTicks: 555 });
  });

  test("reads resident memory and uid from status", () => {
    expect(parseStatus("Name:\tx\nUid:\t999\t999\t999\t999\nVmRSS:\t    2048 kB\n")).toEqual({ rssKb: 2048, uid: 999 });
  });
});

describe("container processes", () => {
  const procs = new Map<number, ProcInfo>(
    [
      proc(10, 1, ["/usr/bin/conmon", "-c", "abc", "-n", "demo-web-1", "-l", "k8s-file:/run/c/web.log"]),
      proc(11, 10, ["nginx", "master"]),
      proc(12, 11, ["nginx", "worker"]),
      proc(13, 11, ["nginx", "worker"], { state: "Z" }),
      proc(20, 1, ["/usr/bin/conmon", "-n", "demo-db-1"]),
      proc(21, 20, ["postgres"]),
    ].map((p) => [p.pid, p]),
  );

  test("finds a container's monitor by name or log file and lists its live descendants", () => {
    expect(findMonitor(procs, { name: "demo-web-1" })?.pid).toBe(10);
    expect(findMonitor(procs, { name: "other", logPath: "/run/c/web.log" })?.pid).toBe(10);
    expect(containerProcesses(procs, { name: "demo-web-1" }).map((p) => p.pid)).toEqual([11, 12]);
    expect(containerProcesses(procs, { name: "gone" })).toEqual([]);
    expect(descendants(procs, 1).map((p) => p.pid)).toEqual([10, 20, 11, 21, 12, 13]);
  });

  test("CPU is the tree's tick delta over the sample and memory its summed RSS", async () => {
    let round = 0;
    const scan = () => {
      round++;
      return new Map<number, ProcInfo>(
        [
          proc(10, 1, ["conmon", "-n", "c"]),
          proc(11, 10, ["app"], { cpuTicks: round === 1 ? 100 : 150, rssKb: 1000 }),
          proc(12, 11, ["child"], { cpuTicks: round === 1 ? 0 : 25, rssKb: 500 }),
        ].map((p) => [p.pid, p]),
      );
    };
    let t = 0;
    const [u] = await sampleUsage([{ name: "c" }], { scan, sleep: async (ms) => void (t += ms), now: () => t, intervalMs: 500 });
    // 75 ticks = 0.75 s of CPU in 0.5 s of wall time
    expect(u).toEqual({ container: "c", cpuPercent: 150, memoryKb: 1500, pids: 2 });
  });
});

describe("scanning the real /proc", () => {
  let child: ReturnType<typeof Bun.spawn> | undefined;
  afterEach(() => child?.kill());

  test("finds a process started under a conmon-named parent", async () => {
    child = Bun.spawn(["bash", "-c", "exec -a conmon bash -c 'sleep 30 & wait' x -n demo-test-1"]);
    let found: ProcInfo[] = [];
    for (let i = 0; i < 50 && found.length === 0; i++) {
      await Bun.sleep(20);
      found = containerProcesses(scanProcs(), { name: "demo-test-1" });
    }
    expect(found.map((p) => p.comm)).toEqual(["sleep"]);
  });
});
