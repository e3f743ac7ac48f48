/**
 * Masking secret values in text that leaves kitten's hands (diagnosis output, a language
 * model's prompt, failure records in the state db). Shared by the engine (the builder masks its
 * secrets before recording a failed step's output) and by `kitten diagnose`.
 */

export const MASK = "****";

const SECRET_NAME = /(PASSWORD|PASSWD|PASS$|_PASS_|SECRET|TOKEN|KEY|CREDENTIAL|PASSPHRASE|PRIVATE|AUTH|SALT|COOKIE|SESSION)/i;

/** Whether a variable's name says its value is a secret (API_TOKEN, DB_PASSWORD, AWS_SECRET_ACCESS_KEY…). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A value that looks like a credential whatever its variable is called (ghp_…, sk-…, a 40-hex
 * token): long, one word, letters and digits mixed; not a path, URL or version number.
 */
export function looksLikeToken(value: string): boolean {
  const v = value.trim();
  return /^[A-Za-z0-9_\-+/=.]{20,}$/.test(v) && /[A-Za-z]/.test(v) && /\d/.test(v) && !v.startsWith("/") && !/^v?\d+(\.\d+)*$/.test(v);
}

/** Shortest value worth masking: masking "a" everywhere helps no one. */
const MIN_SECRET = 3;

/**
 * The forms a secret value takes in output: as given, trimmed (a secret file's trailing newline
 * is gone once a program prints it), and line by line for a multi-line value (a key file).
 * Longest first, so a value is masked before the shorter values inside it.
 */
export function secretForms(values: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const v of values) {
    for (const form of [v, v.trim(), ...v.split(/\r?\n/).map((l) => l.trim())]) if (form.length >= MIN_SECRET) out.add(form);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Passwords inside URLs (scheme://user:password@host), whatever variable holds them. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/(\w+:\/\/[^:/@\s]*:)([^@\s]+)(@)/g, `$1${MASK}$3`);
}

/** Every occurrence of the secrets (from secretForms) and every URL password replaced by ****. */
export function maskSecrets(text: string, secrets: string[]): string {
  let out = maskUrlPasswords(text);
  for (const s of secrets) out = out.split(s).join(MASK);
  return out;
}
