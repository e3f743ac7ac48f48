/**
 * `kitten chaos kill|stop|pause|net|cpu-hog|fill-disk SERVICE`: failure simulation on one
 * project's service (engine/chaos), then what followed, from the supervisor's events: restarts,
 * health transitions, dependents affected, time to recover (text, or --format json).
 */
import { defineCommand, type ArgsDef, type CommandDef } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { parseFormat } from "../render/format.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget, requireProject } from "../target.ts";

const common = {
  service: { type: "positional", required: false, description: "SERVICE of the project (-p, or the compose file here)" },
  count: { type: "string", description: "how many of its containers (default 1)" },
  random: { type: "boolean", description: "pick them at random (default: the first ones)" },
  watch: { type: "string", description: "watch what follows this long (default: until it recovered, at most 30s)" },
  format: { type: "string", description: "output format: text or json", default: "text" },
} satisfies ArgsDef;

const timed = { ...common, duration: { type: "string", description: "how long the fault lasts (default 10s)" } } satisfies ArgsDef;

function ms(value: string | undefined, flag: string, parse: (t: string) => number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) * 1000 : parse(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidInputError(`${flag} must be a duration like 500ms or 10s, not "${value}"`);
  return n;
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidInputError(`${flag} must be a whole number of at least 1, not "${value}"`);
  return Number(value);
}

function percent(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(value);
  if (!m || Number(m[1]) <= 0 || Number(m[1]) > 100) throw new InvalidInputError(`--loss must be a percentage like 10%, not "${value}"`);
  return Number(m[1]);
}

type Args = Record<string, string | boolean | string[] | undefined> & { _: unknown[] };

async function chaos(action: "kill" | "stop" | "pause" | "net" | "cpu-hog" | "fill-disk", args: Args): Promise<number> {
  const format = parseFormat(args.format as string | undefined, ["text", "json"]);
  const service = String(args.service ?? args._[0] ?? "");
  if (!service) throw new InvalidInputError(`chaos ${action}: name the service`, { code: "bad_usage", hint: `kitten chaos ${action} SERVICE` });
  const reporter = cliReporter();
  const target = await cliTarget("optional", { names: [service], reporter });
  const project = requireProject(target, `chaos ${action}`);
  const [{ runChaos }, { renderChaosReport }, { durationMs }, { containerRuntime }, { kittenPaths }, { openStateDb }, { ProjectStore }, { ProjectSchema }, { containerFiles }] = await Promise.all([
    import("../../engine/chaos/index.ts"),
    import("../../engine/chaos/report.ts"),
    import("../../engine/compose/duration.ts"),
    import("../container-runtime.ts"),
    import("../../core/paths.ts"),
    import("../../engine/state/db.ts"),
    import("../../engine/state/project-store.ts"),
    import("../../engine/compose/model.ts"),
    import("../../engine/runtime/container-files.ts"),
  ]);
  const paths = kittenPaths();
  const rt = containerRuntime();
  const stored = new ProjectStore(openStateDb(paths)).getProject(project)?.config;
  const parsed = stored ? ProjectSchema.safeParse(stored) : undefined;
  const partition = typeof args.partition === "string" ? args.partition.split(",").filter(Boolean) : undefined;
  const report = await runChaos(
    {
      project,
      service,
      action,
      ...(typeof args.signal === "string" ? { signal: args.signal } : {}),
      ...(int(args.count as string | undefined, "--count") ? { count: int(args.count as string | undefined, "--count") } : {}),
      random: args.random === true,
      ...(ms(args.duration as string | undefined, "--duration", durationMs) ? { durationMs: ms(args.duration as string | undefined, "--duration", durationMs) } : {}),
      ...(ms(args.watch as string | undefined, "--watch", durationMs) ? { watchMs: ms(args.watch as string | undefined, "--watch", durationMs) } : {}),
      ...(action === "net"
        ? {
            net: {
              ...(ms(args.delay as string | undefined, "--delay", durationMs) ? { delayMs: ms(args.delay as string | undefined, "--delay", durationMs) } : {}),
              ...(percent(args.loss as string | undefined) ? { lossPercent: percent(args.loss as string | undefined) } : {}),
              ...(partition?.length ? { partition } : {}),
            },
          }
        : {}),
      ...(typeof args.size === "string" ? { size: args.size } : {}),
    },
    {
      paths,
      ...(parsed?.success ? { project: parsed.data } : {}),
      runtime: {
        kill: (n, s) => rt.kill(n, s),
        stop: (n, o) => rt.stop(n, o),
        pause: (n) => rt.pause(n),
        unpause: (n) => rt.unpause(n),
        exec: (n, c, o) => rt.exec(n, c, o),
        inNetns: (n, argv, stdin) => rt.inNetns(n, argv, stdin),
        addresses: (n) => rt.record(n).ips,
        upperDir: (n) => containerFiles(rt.record(n).dir).upper,
      },
    },
  );
  process.stdout.write(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderChaosReport(report));
  return 0;
}

const sub = (name: string, description: string, args: ArgsDef, action: Parameters<typeof chaos>[0]): CommandDef =>
  defineCommand({ meta: { name: `kitten chaos ${name}`, description }, args, run: ({ args: a }) => chaos(action, a as unknown as Args) });

const subCommands: Record<string, CommandDef> = {
  kill: sub("kill", "send a signal (SIGKILL by default) to a service's container, as a crash would: its restart policy applies", { ...common, signal: { type: "string", alias: "s", description: "signal (default SIGKILL)" } }, "kill"),
  stop: sub("stop", "stop a service's container (its stop signal, then SIGKILL), not as a user stop: its restart policy applies", { ...common, signal: { type: "string", alias: "s", description: "stop signal (default the service's)" } }, "stop"),
  pause: sub("pause", "freeze a service's container for --duration", timed, "pause"),
  net: sub(
    "net",
    "network faults in a service's container for --duration: packet loss, a partition from other services, delay (tc netem)",
    {
      ...timed,
      delay: { type: "string", description: "added latency, e.g. 200ms (needs the kernel's sch_netem)" },
      loss: { type: "string", description: "packets dropped, e.g. 10%" },
      partition: { type: "string", description: "OTHER[,OTHER…]: services it cannot reach nor be reached from" },
    },
    "net",
  ),
  "cpu-hog": sub("cpu-hog", "busy loops in a service's container for --duration", timed, "cpu-hog"),
  "fill-disk": sub("fill-disk", "a file filling a service's container's writable layer for --duration", { ...timed, size: { type: "string", description: "how much (default 100m; refused when the host would keep less than 1 GiB)" } }, "fill-disk"),
};

export default defineCommand({
  meta: { name: "chaos", description: "simulate failures in a project's service and report what followed: kill, stop, pause, net, cpu-hog, fill-disk" },
  subCommands,
});

