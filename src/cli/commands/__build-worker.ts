/** Hidden role: a build's worker inside the project's rootless namespace (src/engine/build/worker/main.ts). */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "__build-worker", description: "internal: run build steps inside the rootless namespace", hidden: true },
  async run() {
    const { serveWorker } = await import("../../engine/build/worker/main.ts");
    return serveWorker();
  },
});
