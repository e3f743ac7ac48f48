import { describe, expect, test } from "bun:test";
import { currentUser, passwdName } from "../../../src/core/user.ts";

const passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nkittest:x:1001:1001::/home/kittest:/bin/bash\n";

describe("passwdName", () => {
  test.each([
    [0, "root"],
    [1001, "kittest"],
    [4242, undefined],
  ])("uid %p is %p", (uid, name) => {
    expect(passwdName(passwd, uid)).toBe(name);
  });
});

describe("currentUser", () => {
  test("names the user running the tests as /etc/passwd does", () => {
    const me = currentUser();
    const expected = new TextDecoder().decode(Bun.spawnSync(["id", "-un"]).stdout).trim();
    expect(me.name).toBe(expected);
    expect(me.uid).toBe(process.getuid!());
  });
});
