import { expect, test } from "bun:test";
import { parsePublish } from "../../../src/net/ports.ts";

const cases: Array<[string, ReturnType<typeof parsePublish>]> = [
  ["80", { hostIp: "0.0.0.0", containerPort: 80, protocol: "tcp" }],
  ["8080:80", { hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
  ["127.0.0.1:8080:80", { hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
  ["127.0.0.1::80/udp", { hostIp: "127.0.0.1", hostPort: undefined, containerPort: 80, protocol: "udp" }],
  ["[::1]:8080:80", { hostIp: "::1", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
];

test.each(cases)("parses -p %s", (text, expected) => {
  expect(parsePublish(text)).toEqual(expected);
});

test.each(["70000", "a:b", "1:2:3:4", "80/sctp"])("refuses -p %s as invalid input", (text) => {
  expect(() => parsePublish(text)).toThrow(/port "/);
});
