// Compose's variable interpolation, as the Compose Specification's "Interpolation" section defines it,
// for checking docker/compose.yaml without a Docker engine. No JavaScript library implements it (Compose
// itself uses compose-go; the npm wrappers of that need Node 22 and a downloaded binary), so this is the
// smallest faithful version: every form the specification lists except nesting, which it refuses loudly.

/** `$$`, `${VAR}`, `${VAR<op>word}` with op one of `:-` `-` `:?` `?` `:+` `+`, and `$VAR`. */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export type Environment = Readonly<Record<string, string | undefined>>;

/** A `${VAR:?message}` (or `${VAR?message}`) whose variable is missing: Compose refuses to start. */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`required variable ${variable} is missing a value: ${message}`);
    this.name = 'MissingVariableError';
  }
}

/** Interpolates one string value. */
export function interpolate(text: string, env: Environment): string {
  return text.replace(REFERENCE, (whole, braced: string | undefined, op: string | undefined, word: string | undefined, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare!;
    const value = env[name];
    if (op === undefined) return value ?? '';
    if (word!.includes('$')) throw new Error(`nested interpolation in ${whole} is not supported by this check`);
    const set = value !== undefined;
    const setAndNonEmpty = set && value !== '';
    switch (op) {
      case ':-':
        return setAndNonEmpty ? value : word!;
      case '-':
        return set ? value : word!;
      case ':?':
        if (!setAndNonEmpty) throw new MissingVariableError(name, word!);
        return value;
      case '?':
        if (!set) throw new MissingVariableError(name, word!);
        return value;
      case ':+':
        return setAndNonEmpty ? word! : '';
      default: // '+'
        return set ? word! : '';
    }
  });
}

/** Interpolates every string scalar of a parsed Compose document (values only, as Compose does; keys stay). */
export function interpolateDocument<T>(document: T, env: Environment): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return interpolate(node, env);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(document) as T;
}

/** Every variable a text refers to (`$$` is an escaped dollar, not a reference). */
export function referencedVariables(text: string): string[] {
  return [...text.matchAll(REFERENCE)].flatMap((m) => (m[0] === '$$' ? [] : [m[1] ?? m[4]!]));
}

/** The default of each `${VAR:-default}` / `${VAR-default}` in a text, per variable. */
export function interpolationDefaults(text: string): Map<string, Set<string>> {
  const defaults = new Map<string, Set<string>>();
  for (const m of text.matchAll(REFERENCE)) {
    if (m[2] === ':-' || m[2] === '-') defaults.set(m[1]!, (defaults.get(m[1]!) ?? new Set()).add(m[3]!));
  }
  return defaults;
}
