/** `kitten image inspect|import|load|prune|rm`: image management subcommands. */
import { defineCommand } from "citty";
import { pullReporter } from "../render/pull-progress.ts";
import { humanSize } from "../render/pull-progress.ts";

const inspect = defineCommand({
  meta: { name: "inspect", description: "print an image's details as JSON" },
  args: { image: { type: "positional", description: "image reference or id (several allowed)", required: true } },
  async run({ args }) {
    const { inspectImage } = await import("../../engine/image/manage.ts");
    const refs = args._.length > 0 ? args._ : [args.image];
    process.stdout.write(`${JSON.stringify(refs.map((r) => inspectImage(r)), null, 2)}\n`);
  },
});

const importCmd = defineCommand({
  meta: { name: "import", description: "create an image from a root filesystem tar or directory" },
  args: {
    source: { type: "positional", description: "rootfs tar (optionally gzip or zstd compressed) or directory", required: true },
    name: { type: "positional", description: "name:tag for the new image", required: true },
  },
  async run({ args }) {
    const [{ importRootfs }, { ImageStore }] = await Promise.all([import("../../engine/image/local-sources.ts"), import("../../engine/image/store.ts")]);
    const record = await importRootfs(args.source, args.name, { store: new ImageStore(), reporter: pullReporter("quiet") });
    process.stdout.write(`${record.id}\n`);
  },
});

const load = defineCommand({
  meta: { name: "load", description: "load images from a docker-archive or oci-archive tar" },
  args: { input: { type: "string", alias: "i", description: "archive to read (docker save output or an OCI archive)", required: true } },
  async run({ args }) {
    const [{ loadArchive }, { ImageStore }] = await Promise.all([import("../../engine/image/local-sources.ts"), import("../../engine/image/store.ts")]);
    const records = await loadArchive(args.input, { store: new ImageStore(), reporter: pullReporter("quiet") });
    for (const r of records) process.stdout.write(r.tags.length > 0 ? r.tags.map((t) => `loaded image: ${t}\n`).join("") : `loaded image id: ${r.id}\n`);
  },
});

const prune = defineCommand({
  meta: { name: "prune", description: "remove blobs and layers no image uses, and leftovers of interrupted pulls" },
  async run() {
    const { pruneImages } = await import("../../engine/image/manage.ts");
    const r = await pruneImages();
    process.stdout.write(`removed ${r.blobs} blob${r.blobs === 1 ? "" : "s"} and ${r.layers} layer${r.layers === 1 ? "" : "s"}, reclaimed ${humanSize(r.bytes)}\n`);
  },
});

const rm = defineCommand({
  meta: { name: "rm", description: "remove local images (same as kitten rmi)" },
  args: { image: { type: "positional", description: "image reference or id (several allowed)", required: true } },
  async run(ctx) {
    const rmi = (await import("./rmi.ts")).default;
    return rmi.run!(ctx as never);
  },
});

export default defineCommand({
  meta: { name: "image", description: "manage images: inspect, import, load, prune, rm" },
  subCommands: { inspect, import: importCmd, load, prune, rm },
});
