/** The OCI runtime binary behind one interface: runc and crun take the same CLI for what we use. */
import { join } from "node:path";
import type { OciRuntimeName } from "../agent-protocol.ts";

export interface OciRuntime {
  name: OciRuntimeName;
  path: string;
  /** state root for this namespace: `<runtime dir>/<name>` */
  root: string;
  argv(...args: string[]): string[];
}

export function ociRuntime(name: OciRuntimeName, runtimeDir: string): OciRuntime {
  const path = Bun.which(name) ?? `/usr/bin/${name}`;
  const root = join(runtimeDir, name);
  return { name, path, root, argv: (...args) => [path, "--root", root, ...args] };
}
