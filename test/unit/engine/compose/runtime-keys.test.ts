/**
 * The compose keys of issue #12 in the loader: each read into its canonical form, each refused
 * where it is written (file:line, a hint), and the whole-project checks (undefined secrets,
 * limits against deploy.resources, sysctls against shared namespaces, implicit dependencies).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProject, parseProjectText } from "../../../../src/engine/compose/index.ts";
import { toComposeYaml } from "../../../../src/engine/compose/render.ts";
import { load, loadError, PROJECT_DIR, service, serviceError } from "./helpers.ts";

describe("secrets and configs", () => {
  const project = (services: string, top: string) => load(`services:\n  web:\n    image: nginx\n${services}\n${top}\n`);

  test("short syntax mounts a secret at /run/secrets/<name> and a config at /<name>", () => {
    const p = project("    secrets: [pw]\n    configs: [conf]", "secrets:\n  pw: {file: ./pw.txt}\nconfigs:\n  conf: {content: 'port = 80'}");
    expect(p.services.web!.secrets).toEqual([{ source: "pw", target: "/run/secrets/pw" }]);
    expect(p.services.web!.configs).toEqual([{ source: "conf", target: "/conf" }]);
    expect(p.secrets).toEqual({ pw: { name: "p_pw", file: `${PROJECT_DIR}/pw.txt` } });
    expect(p.configs).toEqual({ conf: { name: "p_conf", content: "port = 80" } });
  });

  test("long syntax: a relative target goes under /run/secrets (secret) or / (config); uid, gid and an octal mode are kept", () => {
    const p = project(
      ["    secrets:", "      - {source: pw, target: db_pw, uid: '999', gid: 999, mode: 0400}", "    configs:", "      - {source: conf, target: etc/app.conf, mode: '0640'}", "      - {source: conf, target: /abs.conf, mode: 0o755}"].join("\n"),
      "secrets:\n  pw: {environment: DB_PW}\nconfigs:\n  conf: {file: conf.ini, name: shared-conf}",
    );
    expect(p.services.web!.secrets).toEqual([{ source: "pw", target: "/run/secrets/db_pw", uid: "999", gid: "999", mode: 0o400 }]);
    expect(p.services.web!.configs).toEqual([
      { source: "conf", target: "/etc/app.conf", mode: 0o640 },
      { source: "conf", target: "/abs.conf", mode: 0o755 },
    ]);
    expect(p.secrets!.pw).toEqual({ name: "p_pw", environment: "DB_PW" });
    expect(p.configs!.conf!.name).toBe("shared-conf");
  });

  test("a mode written without a leading 0 is decimal, as compose-go reads it", () => {
    const p = project("    secrets: [{source: pw, mode: 256}]", "secrets:\n  pw: {file: ./pw}");
    expect(p.services.web!.secrets![0]!.mode).toBe(0o400);
  });

  test("kitten config prints them at the top level", () => {
    const p = project("    secrets: [pw]", "secrets:\n  pw: {file: ./pw.txt}");
    expect(toComposeYaml(p)).toContain("secrets:\n  pw:\n    file: /srv/proj/pw.txt\n    name: p_pw\n");
  });

  test.each([
    ["secrets:\n  pw: {external: true}", "unsupported external secret pw", "kitten has no secret store"],
    ["configs:\n  c: {external: true, name: x}", "unsupported external config c", "content:"],
    ["secrets:\n  pw: {name: x}", "secret \"pw\" must declare either `file` or `environment`", "file:"],
    ["configs:\n  c: {}", 'config "c" must declare `file`, `environment` or `content`', "file:"],
    ["secrets:\n  pw: {content: x}", 'unknown key "content" in secrets.pw', undefined],
    ["secrets:\n  pw: {file: a, environment: B}", 'secret "pw" has more than one source (file, environment)', "keep one"],
    ["secrets:\n  pw: {file: a, driver: vault}", "secrets.pw.driver is not supported", "file:"],
    ["secrets:\n  ../pw: {file: a}", 'invalid secret name "../pw"', "letters"],
    ["secrets:\n  pw: {environment: 'A-B'}", 'invalid variable name "A-B"', "environment: DB_PASSWORD"],
  ])("refuses %p", (top, message, hint) => {
    const err = loadError(`services:\n  web:\n    image: nginx\n${top}\n`);
    expect(err.message).toContain(message);
    expect(err.location?.file).toBe("compose.yaml");
    expect(err.location?.line).toBeGreaterThan(3);
    if (hint) expect(err.hint).toContain(hint);
  });

  test.each([
    ["secrets: [nope]", "secrets:\n  pw: {file: a}", 'service "web" refers to undefined secret nope'],
    ["configs: [{source: cnf}]", "configs:\n  conf: {content: x}", 'service "web" refers to undefined config cnf'],
    ["secrets: [{target: x}]", "secrets:\n  pw: {file: a}", 'a secret reference needs a "source"'],
    ["secrets: [{source: pw, uid: root}]", "secrets:\n  pw: {file: a}", 'invalid uid "root": it must be a number'],
    ["secrets: [{source: pw, mode: 99999}]", "secrets:\n  pw: {file: a}", "invalid mode"],
    ["configs: [{source: conf, target: /}]", "configs:\n  conf: {content: x}", "it must name a file"],
  ])("refuses the reference %p", (ref, top, message) => {
    const err = loadError(`services:\n  web:\n    image: nginx\n    ${ref}\n${top}\n`);
    expect(err.message).toContain(message);
    expect(err.location?.line).toBe(4);
  });

  test("an undefined reference gets a did-you-mean", () => {
    expect(loadError("services:\n  web:\n    image: nginx\n    secrets: [db_pasword]\nsecrets:\n  db_password: {file: a}\n").hint).toBe('did you mean "db_password"?');
  });
});

describe("the other service keys", () => {
  test.each([
    ["dns: 1.1.1.1", { dns: ["1.1.1.1"] }],
    ["dns: [1.1.1.1, '2606:4700::1111']", { dns: ["1.1.1.1", "2606:4700::1111"] }],
    ["dns_search: example.com", { dns_search: ["example.com"] }],
    ["dns_opt: [ndots:2, rotate]", { dns_opt: ["ndots:2", "rotate"] }],
    ["sysctls: {net.core.somaxconn: 1024, kernel.shmmax: '1000'}", { sysctls: { "net.core.somaxconn": "1024", "kernel.shmmax": "1000" } }],
    ["sysctls: [net.ipv4.ip_forward=1, fs.mqueue.msg_max=20]", { sysctls: { "net.ipv4.ip_forward": "1", "fs.mqueue.msg_max": "20" } }],
    ["shm_size: 64m", { shm_size: String(64 * 1024 * 1024) }],
    ["mem_limit: 1g\nmem_reservation: 512m\ncpus: 0.50\npids_limit: 100", { mem_limit: String(1024 ** 3), mem_reservation: String(512 * 1024 ** 2), cpus: "0.5", pids_limit: 100 }],
    ["pids_limit: -1", { pids_limit: -1 }],
    ["privileged: true", { privileged: true }],
    ["devices: ['/dev/fuse', '/dev/ttyUSB0:/dev/ttyS0:rw', '/dev/kvm:r']", { devices: [{ source: "/dev/fuse", target: "/dev/fuse", permissions: "rwm" }, { source: "/dev/ttyUSB0", target: "/dev/ttyS0", permissions: "rw" }, { source: "/dev/kvm", target: "/dev/kvm", permissions: "r" }] }],
    ["devices: [{source: /dev/dri, target: /dev/dri, permissions: rw}]", { devices: [{ source: "/dev/dri", target: "/dev/dri", permissions: "rw" }] }],
    ["pid: host", { pid: "host" }],
    ["ipc: shareable", { ipc: "shareable" }],
    ["platform: linux/amd64", { platform: "linux/amd64" }],
    ["pull_policy: if_not_present", { pull_policy: "missing" }],
    ["pull_policy: every_12h", { pull_policy: "every_12h" }],
    ["post_start: [{command: echo hi > /tmp/x, user: root, privileged: true, working_dir: /tmp, environment: {A: '1'}}]", { post_start: [{ command: ["echo", "hi", ">", "/tmp/x"], user: "root", privileged: true, working_dir: "/tmp", environment: { A: "1" } }] }],
    ["pre_stop: [{command: [sh, -c, 'echo bye']}]", { pre_stop: [{ command: ["sh", "-c", "echo bye"] }] }],
    ["group_add: [audio, 1234]", { group_add: ["audio", "1234"] }],
    ["domainname: example.org", { domainname: "example.org" }],
    ["mac_address: 02:42:AC:11:00:02", { mac_address: "02:42:ac:11:00:02" }],
    ["annotations: {com.example.a: b}", { annotations: { "com.example.a": "b" } }],
    ["annotations: [com.example.a=b]", { annotations: { "com.example.a": "b" } }],
    ["develop: {watch: [{path: ./src, action: sync, target: /app/src, ignore: [node_modules]}]}", { develop: { watch: [{ path: `${PROJECT_DIR}/src`, action: "sync", target: "/app/src", ignore: ["node_modules"] }] } }],
  ])("reads %p", (lines, expected) => {
    expect(service(lines)).toMatchObject(expected);
  });

  test.each([
    ["dns: [dns.google]", 'invalid DNS address "dns.google"', "IP addresses"],
    ["dns_opt: ['ndots 2']", 'invalid DNS option "ndots 2"', "ndots:2"],
    ["sysctls: {vm.swappiness: 10}", 'sysctl "vm.swappiness" is not namespaced: a container cannot set it', "net.*"],
    ["sysctls: {Net.Core: 1}", 'invalid sysctl name "Net.Core"', "dotted"],
    ["sysctls: [net.core.somaxconn]", 'invalid entry "net.core.somaxconn": expected KEY=VALUE', undefined],
    ["shm_size: lots", 'invalid size "lots"', "64m"],
    ["cpus: -1", 'invalid cpus "-1"', undefined],
    ["pids_limit: 0", "pids_limit 0 is not a limit", "-1"],
    ["devices: ['vendor.com/device=gpu']", 'CDI device "vendor.com/device=gpu" is not supported', "device node"],
    ["devices: ['dev/fuse']", 'the host path "dev/fuse" must be absolute', undefined],
    ["devices: ['/dev/fuse:/dev/../etc/x']", "must be absolute, without", undefined],
    ["devices: ['/dev/fuse:/dev/fuse:rwx']", 'invalid device permissions "rwx"', "r (read)"],
    ["pid: shareable", 'invalid pid "shareable"', "host, service:<name>"],
    ["ipc: bogus", 'invalid ipc "bogus"', "private, shareable"],
    ["platform: 'linux amd64'", 'invalid platform "linux amd64"', "linux/amd64"],
    ["pull_policy: sometimes", 'invalid pull_policy "sometimes"', "every_<duration>"],
    ["pull_policy: every_soon", 'invalid pull_policy "every_soon"', undefined],
    ["post_start: [{user: root}]", 'a hook needs a "command"', "command:"],
    ["post_start: [{command: x, working_dir: tmp}]", 'the working directory "tmp" must be absolute', undefined],
    ["pre_stop: [{command: x, detach: true}]", 'unknown key "detach"', undefined],
    ["volumes_from: ['a:rx']", 'invalid volumes_from "a:rx"', "container:name"],
    ["group_add: ['a b']", 'invalid group "a b"', undefined],
    ["domainname: -bad-", 'invalid domainname "-bad-"', "RFC 1123"],
    ["mac_address: 02:42", 'invalid mac_address "02:42"', "hex"],
    ["develop: {watch: [{path: ., action: sync}]}", 'a sync rule needs a "target"', undefined],
    ["develop: {watch: [{path: ., action: copy}]}", 'invalid watch action "copy"', "sync"],
    ["label_file: ./nope.labels", "label file /srv/proj/nope.labels not found", "create it"],
  ])("refuses %p", (lines, message, hint) => {
    const err = serviceError(lines);
    expect(err.message).toContain(message);
    expect(err.location?.file).toBe("compose.yaml");
    expect(err.location?.line).toBeGreaterThanOrEqual(4);
    if (hint) expect(err.hint).toContain(hint);
  });

  describe("label_file", () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-labels-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    test("labels from the files first, labels: written in the service win, in either key order", () => {
      writeFileSync(join(dir, "a.labels"), "# team labels\ncom.example.team=core\ncom.example.tier=\"web\"\n");
      for (const order of ["label_file: ./a.labels\n    labels: {com.example.tier: api}", "labels: {com.example.tier: api}\n    label_file: [./a.labels]"]) {
        const { project } = parseProjectText(`services:\n  web:\n    image: nginx\n    ${order}\n`, "compose.yaml", { projectName: "p", projectDirectory: dir });
        expect(project.services.web!.labels).toEqual({ "com.example.team": "core", "com.example.tier": "api" });
      }
    });
  });
});

describe("checks across the project", () => {
  test.each([
    ["mem_limit: 1g\ndeploy: {resources: {limits: {memory: 512m}}}", "services.web: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'"],
    ["cpus: 1\ndeploy: {resources: {limits: {cpus: '2'}}}", "can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'"],
    ["mem_reservation: 1m\ndeploy: {resources: {reservations: {memory: 2m}}}", "can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory'"],
    ["network_mode: host\nsysctls: {net.core.somaxconn: 1}", 'sysctl "net.core.somaxconn" cannot be set with network_mode "host"'],
    ["ipc: host\nsysctls: {kernel.shmmax: 1}", 'sysctl "kernel.shmmax" cannot be set with ipc "host"'],
    ["pid: service:db", 'service "web" refers to undefined service "db" in pid'],
    ["volumes_from: [web]", 'service "web" cannot refer to itself in volumes_from'],
    ["pull_policy: build", 'service "web": pull_policy "build" requires a build: section'],
  ])("refuses %p", (lines, message) => {
    const err = serviceError(lines);
    expect(err.message).toContain(message);
    expect(err.location?.line).toBeGreaterThanOrEqual(4);
  });

  test("agreeing limits are fine, and pid/ipc service: and volumes_from make the named service a dependency", () => {
    const p = load(
      ["services:", "  db:", "    image: postgres", "    ipc: shareable", "  web:", "    image: nginx", "    mem_limit: 512m", "    deploy: {resources: {limits: {memory: 512m}}}", "    pid: service:db", "    ipc: service:db", "    volumes_from: ['db:ro', 'container:other']", ""].join("\n"),
    );
    expect(p.services.web!.depends_on).toEqual({ db: { condition: "service_started", required: true } });
  });

  test("keys of later files merge: lists append, maps merge, secrets by target", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-merge-"));
    try {
      writeFileSync(join(dir, "a.yaml"), "services:\n  web:\n    image: nginx\n    dns: [1.1.1.1]\n    sysctls: {net.a.b: '1'}\n    secrets: [pw]\nsecrets:\n  pw: {file: ./a}\n");
      writeFileSync(join(dir, "b.yaml"), "services:\n  web:\n    dns: [8.8.8.8]\n    sysctls: {net.c.d: '2'}\n    secrets: [{source: pw, mode: 0400}]\nsecrets:\n  pw: {environment: PW}\n");
      const { project } = await loadProject({ files: [join(dir, "a.yaml"), join(dir, "b.yaml")], projectName: "m", env: {} });
      expect(project.services.web!.dns).toEqual(["1.1.1.1", "8.8.8.8"]);
      expect(project.services.web!.sysctls).toEqual({ "net.a.b": "1", "net.c.d": "2" });
      expect(project.services.web!.secrets).toEqual([{ source: "pw", target: "/run/secrets/pw", mode: 0o400 }]);
      expect(project.secrets).toEqual({ pw: { name: "m_pw", environment: "PW" } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
