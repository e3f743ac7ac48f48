import { InvalidInputError } from "../../../../src/core/errors.ts";

/** The InvalidInputError `fn` throws; any other outcome fails the test. */
export function thrown(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error("expected an InvalidInputError");
}
