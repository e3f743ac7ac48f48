/** The one place errors become text: `error: <what>`, `hint: <next step>`, a stack only with --debug. */
import { isKittenError, errorText, type ExitCode } from "../core/errors.ts";

export function renderError(err: unknown, debug: boolean, write: (s: string) => void = (s) => process.stderr.write(s)): ExitCode {
  if (isKittenError(err)) {
    write(`error: ${err.display}\n`);
    if (err.hint) write(`hint: ${err.hint}\n`);
    if (debug && err.stack) write(`${err.stack}\n`);
    if (debug && err.cause) write(`cause: ${err.cause instanceof Error ? err.cause.stack : String(err.cause)}\n`);
    return err.exitCode;
  }
  write(`error: ${oneLine(errorText(err))}\n`);
  if (debug && err instanceof Error && err.stack) write(`${err.stack}\n`);
  else write("hint: this is a bug in kitten; run again with --debug for details\n");
  return 1;
}

function oneLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
