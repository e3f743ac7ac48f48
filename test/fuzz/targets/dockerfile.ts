/**
 * Fuzz target: the Dockerfile parser and its instruction model (kitten build reads Dockerfiles
 * from build contexts, which may come from anywhere). A throw that is not a KittenError is a
 * crash; a refusal must be one line with a hint and exit code 1 or 2.
 */
import { isKittenError } from "../../../src/core/errors.ts";
import { parseDockerfile } from "../../../src/engine/build/dockerfile/parser.ts";
import { toDockerfile } from "../../../src/engine/build/dockerfile/instructions.ts";
import { Finding } from "../engine.ts";

const decoder = new TextDecoder();

export function run(data: Uint8Array): void {
  try {
    toDockerfile(parseDockerfile(decoder.decode(data), "Dockerfile"));
  } catch (err) {
    if (!isKittenError(err)) throw err;
    if (/[\n\r]/.test(err.display)) throw new Finding("invariant", `a refusal on several lines: ${JSON.stringify(err.display.slice(0, 200))}`);
    if (!err.hint) throw new Finding("invariant", `a refusal without a hint: ${err.display.slice(0, 200)}`);
    if (err.exitCode !== 1 && err.exitCode !== 2) throw new Finding("invariant", `exit code ${err.exitCode} for: ${err.display.slice(0, 200)}`);
  }
}
