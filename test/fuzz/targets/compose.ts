/**
 * Fuzz target: the compose loader as the HTTP API and the AI drafter call it (parseProjectText),
 * then the renderer `kitten config` prints with. Any throw that is not a KittenError is a crash
 * ("a bug in kitten" for the user); a refusal must be one line with a hint and exit code 1 or 2.
 */
import { isKittenError } from "../../../src/core/errors.ts";
import { parseProjectText, toComposeYaml } from "../../../src/engine/compose/index.ts";
import { Finding } from "../engine.ts";

const decoder = new TextDecoder();

export function run(data: Uint8Array): void {
  const text = decoder.decode(data);
  let project;
  try {
    // no environment: a fuzzed file cannot read the runner's variables; paths resolve under a dir that does not exist
    ({ project } = parseProjectText(text, "fuzz.yaml", { projectName: "fuzz", projectDirectory: "/nonexistent-kitten-fuzz", env: {} }));
  } catch (err) {
    if (!isKittenError(err)) throw err;
    if (/[\n\r]/.test(err.display)) throw new Finding("invariant", `a refusal on several lines: ${JSON.stringify(err.display.slice(0, 200))}`);
    if (!err.hint) throw new Finding("invariant", `a refusal without a hint: ${err.display.slice(0, 200)}`);
    if (err.exitCode !== 1 && err.exitCode !== 2) throw new Finding("invariant", `exit code ${err.exitCode} for: ${err.display.slice(0, 200)}`);
    if (err.display.length > 4000) throw new Finding("invariant", `a refusal of ${err.display.length} characters`);
    return;
  }
  toComposeYaml(project);
}
