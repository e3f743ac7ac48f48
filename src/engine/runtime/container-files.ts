/** The layout of one container's dir (`<data>/containers/<id>/`), shared by host and agent. */
import { join } from "node:path";

export interface ContainerFiles {
  bundle: string;
  config: string;
  upper: string;
  work: string;
  merged: string;
  log: string;
  pid: string;
  /** the container process's start time (ticks, as the namespace sees it): a reused pid is told apart */
  pidStart: string;
  conmonPid: string;
  exitDir: string;
  runcLog: string;
  hosts: string;
  hostname: string;
  resolvConf: string;
  /** written when the container's published ports are released: its forwarder ends */
  portsReleased: string;
}

export function containerFiles(dir: string): ContainerFiles {
  return {
    bundle: join(dir, "bundle"),
    config: join(dir, "bundle", "config.json"),
    upper: join(dir, "upper"),
    work: join(dir, "work"),
    merged: join(dir, "merged"),
    log: join(dir, "ctr.log"),
    pid: join(dir, "pid"),
    pidStart: join(dir, "pid.start"),
    conmonPid: join(dir, "conmon.pid"),
    exitDir: join(dir, "exit"),
    runcLog: join(dir, "runc.log"),
    hosts: join(dir, "hosts"),
    hostname: join(dir, "hostname"),
    resolvConf: join(dir, "resolv.conf"),
    portsReleased: join(dir, "ports-released"),
  };
}

/** conmon writes the exit code to `<exit dir>/<container id>`. */
export function exitFile(dir: string, id: string): string {
  return join(dir, "exit", id);
}
