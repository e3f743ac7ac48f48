import { describe, expect, test } from "bun:test";
import { InvalidInputError } from "../../../../src/core/errors.ts";
import { parseProjectText } from "../../../../src/engine/compose/index.ts";

const parse = (doc: unknown, name = "kitten.json") => parseProjectText(JSON.stringify(doc, null, 2), name, { projectName: "k", projectDirectory: "/deploy" });

function failure(doc: unknown): InvalidInputError {
  try {
    parse(doc);
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error("expected the Kitten file to be refused");
}

describe("the Kitten format", () => {
  test("converts every container field to its compose equivalent", () => {
    const { project, format } = parse({
      version: "1.0",
      containers: {
        web: {
          image: "nginx:latest",
          command: ["/bin/sh", "-c", "echo hi"],
          hostname: "www",
          workdir: "/app",
          environment: { KEY: "value" },
          ports: ["8080:80", "3000:3000"],
          network: "net",
          ip: "10.0.0.10",
          depends_on: ["db"],
          restart: "on-failure",
        },
        db: { image: "postgres:latest", network: "net" },
      },
      networks: { net: { driver: "bridge", subnet: "10.0.0.0/24", gateway: "10.0.0.1" } },
    });
    expect(format).toBe("kitten");
    expect(project.services.web).toEqual({
      image: "nginx:latest",
      command: ["/bin/sh", "-c", "echo hi"],
      hostname: "www",
      working_dir: "/app",
      environment: { KEY: "value" },
      ports: [
        { mode: "ingress", target: 80, published: "8080", protocol: "tcp" },
        { mode: "ingress", target: 3000, published: "3000", protocol: "tcp" },
      ],
      networks: { net: { ipv4_address: "10.0.0.10" } },
      depends_on: { db: { condition: "service_started", required: true } },
      restart: "on-failure",
    });
    expect(project.networks).toEqual({ net: { name: "k_net", driver: "bridge", ipam: { config: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }] } } });
  });

  test("defaults the hostname to the container's name and joins the default network without one", () => {
    const { project } = parse({ containers: { cache: { image: "redis:alpine" } } });
    expect(project.services.cache!.hostname).toBe("cache");
    expect(project.services.cache!.networks).toEqual({ default: null });
    expect(project.networks.default).toEqual({ name: "k_default" });
  });

  test.each([
    ["./rootfs", "/deploy/rootfs"],
    ["../images/alpine", "/images/alpine"],
    ["/var/lib/rootfs", "/var/lib/rootfs"],
    ["busybox:latest", "busybox:latest"],
  ])("reads the image %p as %p", (image, expected) => {
    expect(parse({ containers: { c: { image } } }).project.services.c!.image).toBe(expected);
  });

  test("reads the same format from YAML", () => {
    const { project, format } = parseProjectText("version: '1.0'\ncontainers:\n  web:\n    image: nginx\n    command: nginx -g 'daemon off;'\n", "kitten.yaml", { projectName: "k" });
    expect(format).toBe("kitten");
    expect(project.services.web!.command).toEqual(["nginx", "-g", "daemon off;"]);
  });

  test.each([
    [{ containers: { web: { imgae: "nginx" } } }, 'unknown key "imgae" in containers.web', 'did you mean "image"?'],
    [{ containers: { web: { image: "nginx", workdir: 5 } } }, "containers.web.workdir: expected a string", undefined],
    [{ containers: { web: { image: "nginx", restart: "sometimes" } } }, 'containers.web.restart: invalid restart policy "sometimes"', undefined],
    [{ containers: { web: { image: "nginx", network: "net", ip: "10.0.1.5" } }, networks: { net: { subnet: "10.0.0.0/24" } } }, "outside the subnet 10.0.0.0/24", undefined],
    [{ containers: { web: { image: "nginx", network: "nett" } }, networks: { net: {} } }, 'uses undefined network "nett"', 'did you mean "net"?'],
    [{ containers: { web: { image: "nginx" } }, networks: { net: { subnet: "10.0.0/24" } } }, 'networks.net.subnet: invalid subnet "10.0.0/24"', undefined],
    [{ containers: { web: { image: "nginx" } }, networks: { net: { subnet: "10.0.0.0/24", gateway: "10.0.1.1" } } }, "gateway 10.0.1.1 is outside the subnet", undefined],
    [{ containers: { web: { image: "nginx" } }, networks: { net: { drivr: "bridge" } } }, 'unknown key "drivr" in networks.net', 'did you mean "driver"?'],
    [{ containers: { web: { image: "nginx", depends_on: ["dbb"] }, db: { image: "postgres" } } }, 'depends on unknown service "dbb"', 'did you mean "db"?'],
  ])("refuses %j", (doc, message, hint) => {
    const err = failure(doc);
    expect(err.message).toContain(message);
    if (hint) expect(err.hint).toBe(hint);
    expect(err.location?.file).toBe("kitten.json");
  });

  test("locates errors at the Kitten key as written", () => {
    const err = failure({ containers: { web: { image: "nginx", workdir: 5 } } });
    expect(err.location).toEqual({ file: "kitten.json", line: 5, col: 18 });
  });
});
