/** The `--format` flag: one of the formats a command supports, or a usage error naming them. */
import { InvalidInputError } from "../../core/errors.ts";

export function parseFormat<const T extends string>(value: string | undefined, allowed: readonly T[]): T {
  const format = value ?? allowed[0]!;
  if ((allowed as readonly string[]).includes(format)) return format as T;
  throw new InvalidInputError(`unknown format "${format}"`, { code: "bad_flag", hint: `use --format ${allowed.join(" or --format ")}` });
}
