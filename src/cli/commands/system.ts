/**
 * `kitten system df [--format json]`: disk use by images, containers, volumes and the build cache,
 * as docker system df shows it (TYPE, TOTAL, ACTIVE, SIZE, RECLAIMABLE).
 */
import { defineCommand } from "citty";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { humanSize } from "../render/pull-progress.ts";

export const usage = `Usage: kitten system df [--format text|json]

Show disk usage: images, containers, local volumes and the build cache.
`;

export default defineCommand({
  meta: { name: "system", description: "system information: df (disk usage)" },
  async run({ rawArgs }) {
    const [sub, ...rest] = rawArgs;
    if (sub !== "df") throw new InvalidInputError(sub ? `unknown system command "${sub}"` : "missing system command", { code: "bad_usage", hint: "kitten system df" });
    let format = "text";
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === "--format") format = rest[++i] ?? "";
      else if (a.startsWith("--format=")) format = a.slice(9);
      else throw new InvalidInputError(`unknown flag: ${a}`, { code: "bad_flag", hint: "kitten system df [--format json]" });
    }
    if (format !== "text" && format !== "json") throw new InvalidInputError(`--format must be text or json, not "${format}"`, { code: "bad_flag" });
    const [{ buildCacheUsage, treeBytes }, { kittenPaths }, { ImageStore }, { containerImageUse }] = await Promise.all([
      import("../../engine/build/prune.ts"),
      import("../../core/paths.ts"),
      import("../../engine/image/store.ts"),
      import("../../engine/runtime/image-use.ts"),
    ]);
    const paths = kittenPaths();
    const store = new ImageStore(paths);
    const images = store.list();
    const use = containerImageUse(paths);
    const inUse = use.inUse;
    const running = [...inUse].reduce((n, id) => n + use.usedBy(id).filter((u) => u.running).length, 0);
    const imageBytes = images.reduce((n, i) => n + i.size, 0);
    const activeImages = images.filter((i) => inUse.has(i.id));
    const containersDir = join(paths.data, "containers");
    const containers = existsSync(containersDir) ? readdirSync(containersDir) : [];
    const volumesDir = join(paths.data, "volumes");
    const volumes = existsSync(volumesDir) ? readdirSync(volumesDir) : [];
    const cache = buildCacheUsage(paths);
    const rows = [
      { type: "Images", total: images.length, active: activeImages.length, size: imageBytes, reclaimable: imageBytes - activeImages.reduce((n, i) => n + i.size, 0) },
      { type: "Containers", total: containers.length, active: running, size: containers.reduce((n, c) => n + treeBytes(join(containersDir, c)), 0), reclaimable: 0 },
      { type: "Local Volumes", total: volumes.length, active: 0, size: volumes.reduce((n, v) => n + treeBytes(join(volumesDir, v)), 0), reclaimable: 0 },
      { type: "Build Cache", total: cache.entries + cache.cacheMounts, active: 0, size: cache.layerBytes + cache.sharedBytes + cache.cacheMountBytes, reclaimable: cache.layerBytes + cache.cacheMountBytes },
    ];
    if (format === "json") {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const lines = [["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"], ...rows.map((r) => [r.type, String(r.total), String(r.active), humanSize(r.size), humanSize(r.reclaimable)])];
    const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
    for (const l of lines) process.stdout.write(`${l.map((c, i) => c.padEnd(widths[i]! + 3)).join("").trimEnd()}\n`);
    return 0;
  },
});
