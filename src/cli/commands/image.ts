/**
 * `kitten image inspect|import|load|ls|prune|push|rm|save|tag`: image management subcommands,
 * as citty subCommands the composition root follows (a missing or unknown one is an exit-2 usage
 * error; `kitten image load --help` shows the subcommand's own usage and flags are checked).
 */
import { defineCommand, type CommandDef } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { humanSize, pullReporter } from "../render/pull-progress.ts";
import { rmiArgs } from "./rmi.ts";
import { pushArgs } from "./push.ts";
import { saveArgs } from "./save.ts";
import { tagArgs } from "./tag.ts";

function need(value: string | undefined, what: string, usage: string): string {
  if (!value) throw new InvalidInputError(`missing ${what}`, { code: "bad_usage", hint: `usage: ${usage}` });
  return value;
}

const inspect = defineCommand({
  meta: { name: "kitten image inspect", description: "print an image's details as JSON" },
  args: { image: { type: "positional", description: "image reference or id (several allowed)", required: false } },
  async run({ args }) {
    const { inspectImage } = await import("../../engine/image/manage.ts");
    const refs = args._.length > 0 ? args._ : [need(args.image, "image", "kitten image inspect <ref>…")];
    process.stdout.write(`${JSON.stringify(refs.map((r) => inspectImage(r)), null, 2)}\n`);
  },
});

const importCmd = defineCommand({
  meta: { name: "kitten image import", description: "create an image from a root filesystem tar or directory" },
  args: {
    source: { type: "positional", description: "rootfs tar (optionally gzip or zstd compressed) or directory", required: false },
    name: { type: "positional", description: "name:tag for the new image", required: false },
  },
  async run({ args }) {
    const usage = "kitten image import <rootfs.tar|dir> <name:tag>";
    need(args.source, "rootfs tar or directory", usage);
    need(args.name, "name:tag for the new image", usage);
    const [{ importRootfs }, { ImageStore }] = await Promise.all([import("../../engine/image/local-sources.ts"), import("../../engine/image/store.ts")]);
    const record = await importRootfs(args.source!, args.name!, { store: new ImageStore(), reporter: pullReporter("quiet") });
    process.stdout.write(`${record.id}\n`);
  },
});

const load = defineCommand({
  meta: { name: "kitten image load", description: "load images from a docker-archive or oci-archive tar" },
  args: { input: { type: "string", alias: "i", description: "archive to read (docker save output or an OCI archive); default: stdin", required: false } },
  async run({ args }) {
    const [{ loadArchive, loadArchiveStream }, { ImageStore }] = await Promise.all([import("../../engine/image/local-sources.ts"), import("../../engine/image/store.ts")]);
    const options = { store: new ImageStore(), reporter: pullReporter("quiet") };
    if (!args.input && process.stdin.isTTY) need(undefined, "archive", "kitten image load -i <archive.tar>, or pipe it: docker save x | kitten image load");
    const records = args.input ? await loadArchive(args.input, options) : await loadArchiveStream(Bun.stdin.stream(), options);
    for (const r of records) process.stdout.write(r.tags.length > 0 ? r.tags.map((t) => `loaded image: ${t}\n`).join("") : `loaded image id: ${r.id}\n`);
  },
});

const prune = defineCommand({
  meta: { name: "kitten image prune", description: "remove dangling images no container uses, blobs and layers no image uses, and leftovers of interrupted pulls" },
  async run() {
    const [{ pruneImages }, { containerImageUse }, { kittenPaths }] = await Promise.all([
      import("../../engine/image/manage.ts"),
      import("../../engine/runtime/image-use.ts"),
      import("../../core/paths.ts"),
    ]);
    const paths = kittenPaths();
    const r = await pruneImages(paths, { inUse: containerImageUse(paths).inUse });
    const n = (count: number, what: string) => `${count} ${what}${count === 1 ? "" : "s"}`;
    process.stdout.write(`removed ${n(r.images, "dangling image")}, ${n(r.blobs, "blob")} and ${n(r.layers, "layer")}, reclaimed ${humanSize(r.bytes)}\n`);
  },
});

const rm = defineCommand({
  meta: { name: "kitten image rm", description: "remove local images (same as kitten rmi)" },
  args: rmiArgs,
  async run(ctx) {
    const rmi = (await import("./rmi.ts")).default;
    return rmi.run!(ctx as never);
  },
});

const ls = defineCommand({
  meta: { name: "kitten image ls", description: "list local images (what kitten images lists outside a project)" },
  args: {
    format: { type: "string", description: "output format: table (text) or json", default: "table" },
    quiet: { type: "boolean", alias: "q", description: "only print the image ids" },
  },
  async run({ args }) {
    const [{ listImages }, { imageTable }] = await Promise.all([import("../../engine/image/manage.ts"), import("../render/images.ts")]);
    const format = (await import("../render/format.ts")).parseFormat(args.format === "table" ? "text" : args.format, ["text", "json"]);
    const rows = listImages();
    if (args.quiet) process.stdout.write([...new Set(rows.map((r) => r.id.slice(7, 19)))].map((id) => `${id}\n`).join(""));
    else process.stdout.write(format === "json" ? `${JSON.stringify(rows, null, 2)}\n` : imageTable(rows));
  },
});

/** `image push|save|tag` are the top-level commands under docker's `image` names */
function alias(name: string, description: string, args: CommandDef["args"], load: () => Promise<{ default: CommandDef<any> }>): CommandDef {
  return defineCommand({
    meta: { name: `kitten image ${name}`, description },
    args,
    async run(ctx) {
      const cmd = (await load()).default;
      return cmd.run!(ctx as never);
    },
  });
}
const push = alias("push", "push an image to a registry", pushArgs, () => import("./push.ts"));
const save = alias("save", "save images to a tar archive (docker-archive or oci)", saveArgs, () => import("./save.ts"));
const tag = alias("tag", "give a local image another name", tagArgs, () => import("./tag.ts"));

const subCommands = { inspect, import: importCmd, load, ls, prune, push, rm, save, tag };

export const usage = [
  "kitten image <command> [options]",
  "",
  "Commands:",
  ...Object.entries(subCommands).map(([name, cmd]) => `  ${name.padEnd(9)}${(cmd.meta as { description: string }).description}`),
  "",
  "Run `kitten image <command> --help` for a command's options.",
  "",
].join("\n");

export default defineCommand({
  meta: { name: "image", description: "manage images: inspect, import, load, ls, prune, push, rm, save, tag" },
  // the composition root (main.ts) follows subCommands: a missing or unknown one is an exit-2
  // usage error, and each has its own --help and flag check
  subCommands,
});
