/** `kitten logout [registry]`: forget kitten's stored credentials for a registry. */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "logout", description: "remove stored credentials for a registry (docker.io by default)" },
  args: { registry: { type: "positional", description: "registry host", required: false } },
  async run({ args }) {
    const registry = args.registry || "docker.io";
    const { logout } = await import("../../engine/image/login.ts");
    process.stdout.write(logout(registry) ? `removed login credentials for ${registry}\n` : `not logged in to ${registry}\n`);
  },
});
