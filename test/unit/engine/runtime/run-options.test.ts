import { describe, expect, test } from "bun:test";
import { parseVolume, specFromRunFlags } from "../../../../src/engine/runtime/run-options.ts";
import { parseSecurityOpts } from "../../../../src/engine/runtime/spec/security-opts.ts";

const ctx = { cwd: "/work/app", env: { FROM_HOST: "yes" }, readFile: () => "# comment\nA=1\nFROM_HOST\n\nB=two=2\n" };

test("merges --env-file then -e, copying bare names from the caller's environment", () => {
  const spec = specFromRunFlags({ image: "img", command: [], envFiles: ["x.env"], env: ["A=override", "MISSING"] }, ctx);
  expect(spec.env).toEqual({ A: "override", FROM_HOST: "yes", B: "two=2" });
});

test("maps --network slirp and host to the namespace's network, none to an empty one, bridge to kitten0 and other names to project networks", () => {
  expect(specFromRunFlags({ image: "i", command: [] }, ctx).networkMode).toBe("host");
  expect(specFromRunFlags({ image: "i", command: [], network: "none" }, ctx).networkMode).toBe("none");
  expect(specFromRunFlags({ image: "i", command: [], network: "bridge" }, ctx).networkMode).toBe("bridge");
  expect(specFromRunFlags({ image: "i", command: [], network: "backend" }, ctx)).toMatchObject({ networkMode: undefined, networks: { backend: {} } });
  expect(() => specFromRunFlags({ image: "i", command: [], network: "no/such" }, ctx)).toThrow('network "no/such" is not a valid network name');
});

test("turns --entrypoint '' into a cleared entrypoint and keeps an empty command as the image's", () => {
  const spec = specFromRunFlags({ image: "i", command: [], entrypoint: "" }, ctx);
  expect(spec.entrypoint).toBeNull();
  expect(spec.command).toBeUndefined();
});

test("parses ports, ulimits and resource flags", () => {
  const spec = specFromRunFlags({ image: "i", command: ["sh"], publish: ["127.0.0.1:8080:80", "53/udp"], ulimits: ["nofile=100:200"], memory: "64m" }, ctx);
  expect(spec.ports).toEqual([
    { mode: "ingress", target: 80, published: "8080", host_ip: "127.0.0.1", protocol: "tcp" },
    { mode: "ingress", target: 53, published: undefined, host_ip: "0.0.0.0", protocol: "udp" },
  ]);
  expect(spec.ulimits).toEqual({ nofile: { soft: 100, hard: 200 } });
  expect(spec.resources).toEqual({ memory: "64m", cpus: undefined, pids: undefined });
});

test("--log-driver and --log-opt as docker run takes them, for what kitten honours", () => {
  const run = (logDriver?: string, logOpts?: string[]) => specFromRunFlags({ image: "i", command: [], logDriver, logOpts }, ctx).logging;
  expect(run()).toBeUndefined();
  expect(run("json-file", ["max-size=10m", "max-file=3"])).toEqual({ driver: "json-file", maxSize: 10 * 1024 * 1024, maxFile: 3 });
  expect(run(undefined, ["max-size=1k"])).toEqual({ maxSize: 1024 });
  expect(run("none")).toEqual({ driver: "none" });
  expect(() => run("syslog")).toThrow('--log-driver "syslog" is not supported');
  expect(() => run("local", ["max-size=big"])).toThrow('--log-opt max-size: "big" is not a size');
  expect(() => run("local", ["max-file=0"])).toThrow('--log-opt max-file: "0" is not a number of files');
  expect(() => run("local", ["compress=true"])).toThrow('--log-opt "compress" is not supported');
  expect(() => run("none", ["max-size=1m"])).toThrow("the none driver keeps no log");
});

const volumes: Array<[string, object]> = [
  ["./data:/data", { type: "bind", source: "/work/app/data", target: "/data", read_only: undefined, bind: { create_host_path: true } }],
  ["/srv:/srv:ro", { type: "bind", source: "/srv", target: "/srv", read_only: true, bind: { create_host_path: true } }],
  ["cache:/var/cache", { type: "volume", source: "cache", target: "/var/cache", read_only: undefined }],
  ["/anon", { type: "volume", target: "/anon", read_only: undefined }],
];
test.each(volumes)("reads -v %s", (text, expected) => {
  expect(parseVolume(text, "/work/app")).toEqual(expected as never);
});

test("refuses a relative container path in -v", () => {
  expect(() => parseVolume("data:rel", "/")).toThrow("the container path must be absolute");
});

describe("security options", () => {
  test.each([
    [["no-new-privileges"], { noNewPrivileges: true }],
    [["no-new-privileges:true"], { noNewPrivileges: true }],
    [["no-new-privileges=false"], { noNewPrivileges: false }],
    [["seccomp=unconfined"], { noNewPrivileges: false, seccomp: "unconfined" }],
    [["seccomp:unconfined", "label=disable", "apparmor=unconfined"], { noNewPrivileges: false, seccomp: "unconfined" }],
    [[], { noNewPrivileges: false }],
  ])("reads %p", (opts, want) => {
    expect(parseSecurityOpts(opts, "--security-opt")).toEqual(want as ReturnType<typeof parseSecurityOpts>);
  });

  test.each([
    ["seccomp=/etc/profile.json", '--security-opt "seccomp=/etc/profile.json": custom seccomp profiles are not supported'],
    ["systempaths=unconfined", '--security-opt "systempaths=unconfined" is not supported'],
  ])("refuses %s, naming it", (opt, message) => {
    expect(() => parseSecurityOpts([opt], "--security-opt")).toThrow(message);
  });
});
