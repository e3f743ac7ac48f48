/**
 * Composition root for the container commands: the rootless runtime wired with the image
 * resolver (directories in place, references through the image store) and a reporter that
 * shows warnings and image pull progress on stderr, one plain line per change.
 */
import { kittenPaths } from "../core/paths.ts";
import type { Reporter } from "../core/reporter.ts";
import { RuntimeImages } from "../engine/runtime/image-source.ts";
import { RootlessRuntime } from "../engine/runtime/rootless-runtime.ts";
import { tcpForwarderFromEnv } from "../engine/runtime/published-ports.ts";
import { pullReporter } from "./render/pull-progress.ts";
import { cniAttacher } from "../net/attacher.ts";

function containerReporter(quiet: boolean): Reporter {
  const pull = pullReporter(quiet ? "quiet" : "plain");
  // docker run prints no lifecycle lines: container events stay silent
  return { emit: (event) => (event.type === "container" || event.type === "info" ? undefined : pull.emit(event)) };
}

export function containerRuntime(options: { hostLoopback?: boolean; quietPull?: boolean } = {}): RootlessRuntime {
  const paths = kittenPaths();
  const reporter = containerReporter(options.quietPull ?? false);
  return new RootlessRuntime({
    paths,
    images: new RuntimeImages({ paths, reporter, cwd: process.cwd() }),
    reporter,
    // networks as `up` planned them (saveNetworkPlan), or a free default subnet
    network: cniAttacher({ dataDir: paths.data }),
    // published TCP ports: kitten's splice forwarder, or rootlesskit's builtin driver
    forwarder: tcpForwarderFromEnv(),
    namespace: { hostLoopback: options.hostLoopback ?? process.env.KITTEN_HOST_LOOPBACK === "1" },
  });
}
