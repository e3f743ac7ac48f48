import { describe, expect, test } from "bun:test";
import { load, loadError } from "./helpers.ts";

const subnet = "networks:\n  net:\n    ipam: {config: [{subnet: 10.0.0.0/24}]}\n";

describe("conflicts found after normalization", () => {
  test.each([
    ["network_mode with networks", "services:\n  web: {image: a, network_mode: host, networks: [net]}\n" + subnet, 'service "web" sets both network_mode and networks'],
    ["an address outside the subnet", "services:\n  web: {image: a, networks: {net: {ipv4_address: 10.0.1.2}}}\n" + subnet, 'service "web": ipv4_address 10.0.1.2 is outside the subnet 10.0.0.0/24 of network "net"'],
    ["an address without a subnet", "services:\n  web: {image: a, networks: {net: {ipv4_address: 10.0.0.2}}}\nnetworks:\n  net: {}\n", 'ipv4_address 10.0.0.2 needs a subnet on network "net"'],
    ["the same address twice", "services:\n  a: {image: a, networks: {net: {ipv4_address: 10.0.0.2}}}\n  b: {image: a, networks: {net: {ipv4_address: 10.0.0.2}}}\n" + subnet, 'services "a" and "b" both use ipv4_address 10.0.0.2'],
    ["an address with replicas", "services:\n  a: {image: a, scale: 2, networks: {net: {ipv4_address: 10.0.0.2}}}\n" + subnet, "sets ipv4_address 10.0.0.2 with 2 replicas"],
    ["the same host port", "services:\n  a: {image: a, ports: ['80:80']}\n  b: {image: a, ports: ['80:8080']}\n", 'services "a" and "b" both publish host port 80/tcp'],
    ["a wildcard and a specific address", "services:\n  a: {image: a, ports: ['127.0.0.1:80:80']}\n  b: {image: a, ports: ['80:80']}\n", 'services "a" and "b" both publish host port 80/tcp'],
    ["an IPv6 wildcard", "services:\n  a: {image: a, ports: ['[::]:80:80']}\n  b: {image: a, ports: ['127.0.0.1:80:80']}\n", "both publish host port 127.0.0.1:80/tcp"],
    ["overlapping ranges", "services:\n  a: {image: a, ports: ['8000-8005:80']}\n  b: {image: a, ports: ['8005:80']}\n", "both publish host port 8005/tcp"],
    ["one service twice", "services:\n  a: {image: a, ports: ['80:80', '80:81']}\n", 'service "a" publishes host port 80/tcp twice'],
    ["a fixed port with replicas", "services:\n  a: {image: a, ports: ['80:80'], deploy: {replicas: 2}}\n", 'service "a" publishes host port 80 with 2 replicas'],
    ["container_name with replicas", "services:\n  a: {image: a, container_name: x, deploy: {replicas: 2}}\n", 'service "a" sets container_name "x" with 2 replicas'],
    ["one container_name twice", "services:\n  a: {image: a, container_name: x}\n  b: {image: a, container_name: x}\n", 'services "a" and "b" both use container_name "x"'],
    ["scale against deploy.replicas", "services:\n  a: {image: a, scale: 2, deploy: {replicas: 3}}\n", 'service "a" sets scale 2 and deploy.replicas 3'],
    ["an unknown dependency", "services:\n  web: {image: a, depends_on: [dbb]}\n  db: {image: a}\n", 'service "web" depends on unknown service "dbb"'],
    ["a dependency cycle", "services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n", "dependency cycle: a -> b -> a"],
    ["an undefined volume", "services:\n  a: {image: x, volumes: ['data:/d']}\n", 'service "a" uses undefined volume "data"'],
    ["a missing image", "services:\n  a: {command: [x]}\n", 'service "a" has no image'],
    ["an invalid network_mode", "services:\n  a: {image: x, network_mode: bridged}\n", 'invalid network_mode "bridged"'],
    ["a custom seccomp profile", "services:\n  a: {image: x, security_opt: ['seccomp=p.json']}\n", 'service "a": security_opt "seccomp=p.json": custom seccomp profiles are not supported'],
  ])("refuses %s", (_name, text, message) => {
    const err = loadError(text);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(message);
    expect(err.location?.file).toBe("compose.yaml");
  });

  test("accepts the same port on different addresses and protocols, and ranges for replicas", () => {
    const text = [
      "services:",
      "  a: {image: x, ports: ['127.0.0.1:80:80', '53:53/udp']}",
      "  b: {image: x, ports: ['127.0.0.2:80:80', '53:53/tcp']}",
      "  c: {image: x, ports: ['9000-9002:80'], deploy: {replicas: 3}}",
      "  d: {image: x, ports: ['80'], deploy: {replicas: 3}}",
    ].join("\n");
    expect(Object.keys(load(text).services)).toEqual(["a", "b", "c", "d"]);
  });

  test("names networks and volumes after the project unless named or external", () => {
    const project = load(
      [
        "services:",
        "  a: {image: x, networks: [front, ext, named], volumes: ['data:/d', 'shared:/s', 'fixed:/f']}",
        "networks:",
        "  front: {}",
        "  ext: {external: true}",
        "  named: {name: my-net}",
        "volumes:",
        "  data: {}",
        "  shared: {external: true, name: real-shared}",
        "  fixed: {name: fixed-vol}",
      ].join("\n"),
    );
    expect(project.networks).toEqual({ ext: { name: "ext", external: true }, front: { name: "p_front" }, named: { name: "my-net" } });
    expect(project.volumes).toEqual({ data: { name: "p_data" }, fixed: { name: "fixed-vol" }, shared: { name: "real-shared", external: true } });
  });
});
