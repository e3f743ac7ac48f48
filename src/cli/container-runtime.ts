/**
 * Composition root for the container commands: the rootless runtime wired with the image
 * resolver and a reporter that renders engine warnings on stderr.
 */
import { kittenPaths } from "../core/paths.ts";
import type { Reporter } from "../core/reporter.ts";
import { DirectoryImages } from "../engine/runtime/image-source.ts";
import { RootlessRuntime } from "../engine/runtime/rootless-runtime.ts";

export const stderrReporter: Reporter = {
  emit(event) {
    if (event.type === "warning") process.stderr.write(`warning: ${event.message}\n`);
  },
};

export function containerRuntime(options: { hostLoopback?: boolean } = {}): RootlessRuntime {
  return new RootlessRuntime({
    paths: kittenPaths(),
    // TODO(#3): chain the image store's resolver here for registry references
    images: new DirectoryImages(process.cwd()),
    reporter: stderrReporter,
    namespace: { hostLoopback: options.hostLoopback ?? process.env.KITTEN_HOST_LOOPBACK === "1" },
  });
}
