import { describe, expect, test } from "bun:test";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { load, PROJECT_DIR, service, serviceError } from "./helpers.ts";

const withVolumes = (entry: string) =>
  load(`services:\n  web:\n    image: nginx\n    volumes: [${entry}]\nvolumes:\n  data: {}\n`).services.web!.volumes;

describe("volumes in short syntax", () => {
  const bind = (source: string, target: string, extra: Record<string, unknown> = {}) => ({ type: "bind", source, target, bind: { create_host_path: true }, ...extra });
  const cases: [string, unknown][] = [
    ['"./data:/data"', bind(`${PROJECT_DIR}/data`, "/data")],
    ['"./data:/data:ro"', bind(`${PROJECT_DIR}/data`, "/data", { read_only: true })],
    ['"../shared:/shared:rw"', bind("/srv/shared", "/shared")],
    ['"/abs/path:/x"', bind("/abs/path", "/x")],
    ['"~/cache:/cache"', bind("/home/k/cache", "/cache")],
    ['"./src:/src:ro,z"', bind(`${PROJECT_DIR}/src`, "/src", { read_only: true, bind: { create_host_path: true, selinux: "z" } })],
    ['"./src:/src:rshared"', bind(`${PROJECT_DIR}/src`, "/src", { bind: { create_host_path: true, propagation: "rshared" } })],
    ['"data:/var/lib/data"', { type: "volume", source: "data", target: "/var/lib/data", volume: {} }],
    ['"data:/var/lib/data:ro,nocopy"', { type: "volume", source: "data", target: "/var/lib/data", read_only: true, volume: { nocopy: true } }],
    ['"/anon"', { type: "volume", target: "/anon", volume: {} }],
    ['"./x:/data/../srv/"', bind(`${PROJECT_DIR}/x`, "/srv")],
  ];
  test.each(cases)("reads %s", (entry, expected) => {
    expect(withVolumes(entry)).toEqual([expected as never]);
  });

  test.each([
    ['"./a:relative"', "must be absolute"],
    ['"relative"', "must be absolute"],
    ['"./a:/b:bogus"', 'unknown mode "bogus"'],
    ['"a:b:c:d"', 'invalid volume "a:b:c:d"'],
    ['"bad name!:/x"', 'invalid volume name "bad name!"'],
  ])("refuses %s", (entry, message) => {
    expect(serviceError(`volumes: [${entry}]`).message).toContain(message);
  });
});

describe("volumes in long syntax", () => {
  test("reads a bind mount, resolving its source against the project directory", () => {
    expect(withVolumes("{type: bind, source: ./conf, target: /etc/conf, read_only: true, bind: {propagation: rprivate}}")).toEqual([
      { type: "bind", source: `${PROJECT_DIR}/conf`, target: "/etc/conf", read_only: true, bind: { create_host_path: true, propagation: "rprivate" } },
    ]);
  });

  test("keeps create_host_path false when asked", () => {
    expect(withVolumes("{type: bind, source: /x, target: /y, bind: {create_host_path: false}}")![0]!.bind).toEqual({ create_host_path: false });
  });

  test("reads a named volume with its options", () => {
    expect(withVolumes("{type: volume, source: data, target: /d, volume: {nocopy: true, subpath: sub}}")).toEqual([
      { type: "volume", source: "data", target: "/d", volume: { nocopy: true, subpath: "sub" } },
    ]);
  });

  test("reads a tmpfs mount with a size in bytes and an octal mode", () => {
    expect(withVolumes('{type: tmpfs, target: /run, tmpfs: {size: 64m, mode: "1777"}}')).toEqual([{ type: "tmpfs", target: "/run", tmpfs: { size: 67108864, mode: 0o1777 } }]);
  });

  test.each([
    ["{source: ./x, target: /x}", 'needs a "type"'],
    ["{type: npipe, source: x, target: /x}", 'volume type "npipe" is not supported'],
    ["{type: bind, target: /x}", 'a bind mount needs a "source"'],
    ["{type: volume, source: data}", 'needs a "target"'],
    ["{type: tmpfs, source: x, target: /x}", "a tmpfs mount has no source"],
    ["{type: volume, source: data, target: /x, bind: {}}", '"bind" options only apply to type bind'],
    ["{type: tmpfs, target: /x, tmpfs: {size: huge}}", 'invalid size "huge"'],
  ])("refuses %s", (entry, message) => {
    expect(serviceError(`volumes: [${entry}]`).message).toContain(message);
  });

  test("warns about the long syntax's consistency key, which it does not model", () => {
    const reporter = new MemoryReporter();
    service("volumes: [{type: bind, source: /x, target: /y, consistency: cached}]", { reporter });
    expect(reporter.warnings).toEqual(["ignoring: service web: [volumes.consistency]"]);
  });
});
