/**
 * The compose `logging:` key (compose-spec 05-services.md#logging: `driver` and `options`),
 * read as docker reads `--log-driver` / `--log-opt` for the drivers kitten can honour:
 * - json-file and local (docker's two file drivers), k8s-file (podman's, the format kitten's
 *   monitor writes): a file per container with `max-size` / `max-file` rotation;
 * - none: nothing is kept (`kitten logs` has nothing to show, as docker says for `none`).
 * Options docker takes but kitten cannot honour (compress, labels, env, tag, mode, …) are
 * warned about as ignored; any other option is an error, as docker's "unknown log opt" is, and so
 * is another driver (syslog, journald, fluentd… send logs where kitten cannot follow them).
 */
import { z } from "zod";
import type { FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";
import { parseBytes } from "./units.ts";

export const LOG_DRIVERS = ["json-file", "local", "k8s-file", "none"] as const;

export const LoggingSchema = z.object({
  driver: z.enum(LOG_DRIVERS).optional(),
  /** as written, validated: max-size ("10m"), max-file ("3") */
  options: z.record(z.string(), z.string()).optional(),
});
export type Logging = z.infer<typeof LoggingSchema>;

/** docker's options of its file drivers that change nothing here */
const NO_EFFECT = new Set(["compress", "labels", "labels-regex", "env", "env-regex", "tag", "mode", "max-buffer-size"]);

export function readLogging(r: FileReader, v: unknown, p: KeyPath, d: { logging?: Logging; ignored?: string[] }): void {
  const m = r.map(v, p);
  for (const key of Object.keys(m)) {
    if (key !== "driver" && key !== "options" && !key.startsWith("x-")) r.fail([...p, key], `unknown key "${key}" in logging`, "logging takes driver and options");
  }
  const out: Logging = {};
  if (m.driver !== undefined) {
    const driver = r.str(m.driver, [...p, "driver"]);
    if (!(LOG_DRIVERS as readonly string[]).includes(driver)) {
      r.fail([...p, "driver"], `logging driver "${driver}" is not supported`, `kitten keeps logs in files: use ${LOG_DRIVERS.join(", ")}`);
    }
    out.driver = driver as Logging["driver"];
  }
  if (m.options !== undefined && m.options !== null) {
    const options: Record<string, string> = {};
    for (const [key, raw] of Object.entries(r.map(m.options, [...p, "options"]))) {
      const at = [...p, "options", key];
      const value = r.scalar(raw, at);
      if (key === "max-size") {
        const n = parseBytes(value);
        if (n === undefined || n <= 0) r.fail(at, `invalid max-size "${value}"`, 'a size such as "10m" or "1g"');
      } else if (key === "max-file") {
        if (!/^\d+$/.test(value) || Number(value) < 1) r.fail(at, `invalid max-file "${value}"`, "a whole number of files, at least 1");
      } else if (NO_EFFECT.has(key)) {
        d.ignored = [...(d.ignored ?? []), `logging.options.${key}`];
      } else {
        r.fail(at, `unknown log option "${key}" for the ${out.driver ?? "json-file"} logging driver`, "the options kitten honours are max-size and max-file");
      }
      options[key] = value;
    }
    if (out.driver === "none" && Object.keys(options).some((k) => k === "max-size" || k === "max-file")) {
      r.fail([...p, "options"], "the none logging driver keeps no log: max-size and max-file mean nothing for it");
    }
    out.options = options;
  }
  d.logging = out;
}
