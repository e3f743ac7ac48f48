import { describe, expect, test } from "bun:test";
import { namespaceFix, rootlesskitError } from "../../../../src/engine/doctor/namespace-smoke.ts";

const WARN = 'time="2026-11-23T19:46:43Z" level=warning msg="Running RootlessKit as the root user is unsupported."';

describe("rootlesskitError", () => {
  test.each([
    [
      "a parent error line (measured: newuidmap missing from PATH)",
      `${WARN}\n[rootlesskit:parent] error: failed to setup UID/GID map: newuidmap 5808 [0 1001 1 1 165536 65536] failed: : exec: "newuidmap": executable file not found in $PATH\n`,
      '[rootlesskit:parent] error: failed to setup UID/GID map: newuidmap 5808 [0 1001 1 1 165536 65536] failed: : exec: "newuidmap": executable file not found in $PATH',
    ],
    [
      "a logrus error with an escaped message",
      `${WARN}\ntime="x" level=fatal msg="open /dev/net/tun: permission \\"denied\\""\n`,
      'open /dev/net/tun: permission "denied"',
    ],
    ["the last line that is not a warning", `${WARN}\nsomething broke\n`, "something broke"],
    ["nothing useful", `${WARN}\n`, undefined],
  ])("takes the reason from %s", (_name, stderr, reason) => {
    expect(rootlesskitError(stderr)).toBe(reason);
  });
});

describe("namespaceFix", () => {
  test.each([
    ["[rootlesskit:parent] error: failed to setup network: setting up tap tap0: exit status 1", "chmod 0666 /dev/net/tun"],
    ['failed to setup UID/GID map: exec: "newuidmap": executable file not found in $PATH', "apt-get install -y uidmap"],
    ["something else", null],
  ])("fixes %p with %p", (reason, fix) => {
    expect(namespaceFix(reason)).toBe(fix);
  });
});
