/**
 * From a loaded project to ContainerSpec for the keys of issue #12 (container-spec.ts and
 * runtime-keys-spec.ts), the config hash that makes containers follow a volume's name, and what
 * `up` checks and says first (up-checks.ts).
 */
import { describe, expect, test } from "bun:test";
import { containerSpec } from "../../../../src/engine/orchestrate/container-spec.ts";
import { serviceConfigHash } from "../../../../src/engine/orchestrate/config-hash.ts";
import { checkPlatforms, hostPlatform, hostWarnings, pullMode, staleImage, strongest } from "../../../../src/engine/orchestrate/up-checks.ts";
import { load } from "../compose/helpers.ts";

const spec = (yaml: string, service = "web") => containerSpec(load(yaml), service, 1, `p-${service}-1`, "h");

describe("ContainerSpec of the new keys", () => {
  test("a service mounts a volume by key; the container gets the volume's name", () => {
    const s = spec("services:\n  web:\n    image: nginx\n    volumes: [data:/a, named:/b, /anon]\nvolumes:\n  data: {}\n  named: {name: shared}\n");
    expect(s.mounts!.map((m) => [m.source, m.target])).toEqual([["p_data", "/a"], ["shared", "/b"], [undefined, "/anon"]]);
  });

  test("secrets and configs with their defaults: root-owned, 0444", () => {
    const s = spec("services:\n  web:\n    image: nginx\n    secrets: [pw, {source: pw, target: other, uid: '999', mode: 0400}]\n    configs: [conf]\nsecrets:\n  pw: {file: ./pw}\nconfigs:\n  conf: {content: x}\n");
    expect(s.files).toEqual([
      { kind: "secret", key: "pw", target: "/run/secrets/pw", uid: 0, gid: 0, mode: 0o444 },
      { kind: "secret", key: "pw", target: "/run/secrets/other", uid: 999, gid: 0, mode: 0o400 },
      { kind: "config", key: "conf", target: "/conf", uid: 0, gid: 0, mode: 0o444 },
    ]);
  });

  test("limits: deploy.resources wins where both are set, the service keys fill in, pids -1 is none", () => {
    const s = spec("services:\n  web:\n    image: nginx\n    mem_limit: 512m\n    mem_reservation: 64m\n    pids_limit: -1\n    deploy: {resources: {limits: {memory: 512m, cpus: '0.5'}}}\n");
    expect(s.resources).toEqual({ memory: String(512 * 1024 ** 2), cpus: "0.5", memoryReservation: String(64 * 1024 ** 2) });
    expect(spec("services:\n  web:\n    image: nginx\n").resources).toBeUndefined();
  });

  test("service: modes and volumes_from name the first container of that service (or its container_name)", () => {
    const yaml = "services:\n  db:\n    image: pg\n    ipc: shareable\n    container_name: the-db\n  cache:\n    image: redis\n  web:\n    image: nginx\n    pid: service:cache\n    ipc: service:db\n    volumes_from: ['db:ro', cache, 'container:other:rw']\n";
    const s = spec(yaml);
    expect(s.pidMode).toBe("container:p-cache-1");
    expect(s.ipcMode).toBe("container:the-db");
    expect(s.volumesFrom).toEqual([{ container: "the-db", readOnly: true }, { container: "p-cache-1" }, { container: "other" }]);
  });

  test("the rest map one to one; mac_address goes to the main network", () => {
    const s = spec(
      "services:\n  web:\n    image: nginx\n    dns: [9.9.9.9]\n    dns_search: [example.com]\n    dns_opt: [ndots:2]\n    sysctls: {net.core.somaxconn: 1024}\n    shm_size: 1m\n    privileged: true\n    devices: [/dev/fuse]\n    group_add: [audio]\n    domainname: example.org\n    annotations: {a: b}\n    mac_address: 02:00:00:00:00:01\n    networks: {front: {priority: 1}, back: {priority: 5}}\nnetworks:\n  front: {}\n  back: {}\n",
    );
    expect(s).toMatchObject({
      dns: ["9.9.9.9"],
      dnsSearch: ["example.com"],
      dnsOptions: ["ndots:2"],
      sysctls: { "net.core.somaxconn": "1024" },
      shmSize: 1024 * 1024,
      privileged: true,
      devices: [{ source: "/dev/fuse", target: "/dev/fuse", permissions: "rwm" }],
      groupAdd: ["audio"],
      domainname: "example.org",
      annotations: { a: "b" },
      networks: { back: { priority: 5, macAddress: "02:00:00:00:00:01" }, front: { priority: 1 } },
    });
  });

  test("a volume's name is part of the config hash of the services mounting it, and only theirs", () => {
    const a = load("services:\n  web:\n    image: nginx\n    volumes: [data:/d]\n  other:\n    image: nginx\nvolumes:\n  data: {}\n");
    const b = load("services:\n  web:\n    image: nginx\n    volumes: [data:/d]\n  other:\n    image: nginx\nvolumes:\n  data: {name: elsewhere}\n");
    expect(serviceConfigHash(a.services.web!, "i", a)).not.toBe(serviceConfigHash(b.services.web!, "i", b));
    expect(serviceConfigHash(a.services.other!, "i", a)).toBe(serviceConfigHash(b.services.other!, "i", b));
    expect(serviceConfigHash(a.services.other!, "i", a)).toBe(serviceConfigHash(a.services.other!, "i"));
  });

  test("so is the source of a secret or config it uses", () => {
    const p = (content: string) => load(`services:\n  web:\n    image: nginx\n    configs: [c]\n  other:\n    image: nginx\nconfigs:\n  c: {content: '${content}'}\n`);
    const [a, b] = [p("x = 1"), p("x = 2")];
    expect(serviceConfigHash(a.services.web!, "i", a)).not.toBe(serviceConfigHash(b.services.web!, "i", b));
    expect(serviceConfigHash(a.services.other!, "i", a)).toBe(serviceConfigHash(b.services.other!, "i", b));
  });
});

describe("what up checks first", () => {
  test("platform: the host's is fine, another is refused by name", () => {
    const host = hostPlatform();
    expect(() => checkPlatforms(load(`services:\n  web:\n    image: nginx\n    platform: linux/${host.architecture}\n`))).not.toThrow();
    const other = host.architecture === "arm64" ? "amd64" : "arm64";
    expect(() => checkPlatforms(load(`services:\n  web:\n    image: nginx\n    platform: linux/${other}\n`))).toThrow(`service "web": platform linux/${other} is not this host's (linux/${host.architecture})`);
    expect(() => checkPlatforms(load("services:\n  web:\n    image: nginx\n    platform: windows/amd64\n"))).toThrow("is not this host's");
  });

  test("warnings name what is honoured only in part", () => {
    const noCgroups = { usable: false, base: "/kitten/1001", mounts: {}, reason: "cgroup v1 without a subtree handed to this user", fix: "mkdir …" };
    const w = hostWarnings(load("services:\n  web:\n    image: nginx\n    pid: host\n    privileged: true\n    network_mode: host\n    mac_address: 02:00:00:00:00:01\n    mem_limit: 16m\n"), noCgroups);
    expect(w).toEqual([
      "service web: pid: host shares the process namespace of the project's rootless namespace (its containers and kitten's helpers), not the host's",
      expect.stringContaining("service web: privileged gives every capability inside kitten's user namespace, no seccomp filter and the host devices"),
      "service web: mac_address is ignored: with network_mode host the container has no network interface of its own",
      'container "p-web-1": memory=16777216 not enforced: cgroup v1 without a subtree handed to this user; to enforce them, as root: mkdir … (kitten doctor)',
    ]);
  });

  test("pull_policy: --pull wins; daily, weekly and every_ pull an image older than that; the strongest of a shared image wins", () => {
    const svc = (p: string) => load(`services:\n  web:\n    image: nginx\n    pull_policy: ${p}\n`).services.web!;
    expect(pullMode(svc("never"), "always")).toBe("always");
    expect(pullMode(svc("never"), undefined)).toBe("never");
    expect(pullMode(svc("daily"), undefined)).toEqual({ maxAgeMs: 86_400_000 });
    expect(pullMode(svc("weekly"), undefined)).toEqual({ maxAgeMs: 7 * 86_400_000 });
    expect(pullMode(svc("every_90m"), undefined)).toEqual({ maxAgeMs: 90 * 60_000 });
    expect(strongest(["never", { maxAgeMs: 5 }, { maxAgeMs: 3 }, "missing"])).toEqual({ maxAgeMs: 3 });
    expect(strongest(["never", "always"])).toBe("always");
    expect(strongest(["never", "missing"])).toBe("missing");
    const now = Date.parse("2026-01-02T00:00:00Z");
    expect(staleImage("2026-01-01T00:00:00Z", 86_400_000 - 1, now)).toBe(true);
    expect(staleImage("2026-01-01T00:00:00Z", 86_400_000, now)).toBe(false);
    expect(staleImage(undefined, 1, now)).toBe(false);
  });
});
