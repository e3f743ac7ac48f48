/** Hidden role: the layer unpacker inside the user namespace (src/engine/image/unpack/child.ts). */
import { defineCommand } from "citty";
import type { UnpackRequest } from "../../engine/image/unpack/protocol.ts";

export default defineCommand({
  meta: { name: "__unpack", description: "internal: unpack image layers inside the user namespace", hidden: true },
  async run() {
    const { runUnpackRequest } = await import("../../engine/image/unpack/child.ts");
    const { dieWithParent } = await import("../../engine/image/unpack/libc.ts");
    const parent = Number(process.env.KITTEN_UNPACK_PARENT);
    if (parent > 0) dieWithParent(parent);
    const request = (await Bun.stdin.json()) as UnpackRequest;
    return runUnpackRequest(request, (message) => process.stdout.write(`${JSON.stringify(message)}\n`));
  },
});
