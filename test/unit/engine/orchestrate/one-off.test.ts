import { describe, expect, test } from "bun:test";
import type { Project } from "../../../../src/engine/compose/model.ts";
import { ONE_OFF_LABEL, oneOffSpec } from "../../../../src/engine/orchestrate/one-off.ts";

const project: Project = {
  name: "shop",
  networks: { default: { name: "shop_default" } },
  volumes: {},
  services: {
    web: {
      image: "nginx",
      command: ["nginx", "-g", "daemon off;"],
      environment: { A: "1" },
      ports: [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }],
      networks: { default: null },
      container_name: "fixed",
      cap_drop: ["NET_RAW"],
    },
  },
};

describe("compose run's one-off container", () => {
  test("is <project>-<service>-run-<id>, labelled a one-off, without the service's ports, name or replica", () => {
    const s = oneOffSpec(project, { service: "web", slug: "0123456789ab" });
    expect(s.name).toBe("shop-web-run-0123456789ab");
    expect([s.service, s.replica, s.ports]).toEqual([undefined, undefined, undefined]);
    expect(s.labels?.[ONE_OFF_LABEL]).toBe("True");
    expect(s.networks).toEqual({ default: { aliases: [] } });
    expect(s.command).toEqual(["nginx", "-g", "daemon off;"]);
  });

  test("takes the command, --entrypoint (clearing the command), -e, -u, -w, ports and aliases asked for", () => {
    const s = oneOffSpec(project, {
      service: "web",
      entrypoint: ["sh", "-c"],
      env: { B: "2" },
      user: "app",
      workdir: "/tmp",
      servicePorts: true,
      publish: [{ mode: "ingress", target: 9000, protocol: "tcp" }],
      useAliases: true,
      capAdd: ["NET_RAW"],
      name: "mine",
    });
    expect([s.name, s.entrypoint, s.command, s.env, s.user, s.workingDir]).toEqual(["mine", ["sh", "-c"], null, { A: "1", B: "2" }, "app", "/tmp"]);
    expect(s.ports?.map((p) => p.target)).toEqual([80, 9000]);
    expect(s.networks).toEqual({ default: { aliases: ["web"] } });
    expect([s.capAdd, s.capDrop]).toEqual([["NET_RAW"], []]);
    expect(oneOffSpec(project, { service: "web", entrypoint: ["echo"], command: ["hi"] }).command).toEqual(["hi"]);
  });
});
