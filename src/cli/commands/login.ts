/** `kitten login [-u user] [--password-stdin] [registry]`: check credentials against the registry and store them (0600). */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "login", description: "store credentials for a registry (docker.io by default)" },
  args: {
    registry: { type: "positional", description: "registry host, e.g. ghcr.io or 127.0.0.1:5000", required: false },
    username: { type: "string", alias: "u", description: "user name" },
    "password-stdin": { type: "boolean", description: "read the password from stdin" },
  },
  async run({ args }) {
    const registry = args.registry || "docker.io";
    let username = args.username;
    let password: string | undefined;
    if (args["password-stdin"]) {
      password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
    } else if (process.stdin.isTTY) {
      const p = await import("@clack/prompts");
      const ask = async (fn: () => Promise<string | symbol>) => {
        const value = await fn();
        if (p.isCancel(value)) throw new (await import("../../core/errors.ts")).CancelledError();
        return value as string;
      };
      username ??= await ask(() => p.text({ message: `username for ${registry}` }));
      password = await ask(() => p.password({ message: "password" }));
    }
    if (!username || !password) {
      throw new InvalidInputError("a username and a password are needed", { code: "bad_usage", hint: `echo "$TOKEN" | kitten login -u <user> --password-stdin ${registry}` });
    }
    const { login } = await import("../../engine/image/login.ts");
    const file = await login(registry, { username, password });
    process.stdout.write(`login succeeded; credentials stored in ${file}\n`);
  },
});
