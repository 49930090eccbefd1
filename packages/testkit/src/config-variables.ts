/**
 * The environment variables that exported config schemas read, for tests that check deployment files
 * (compose, Kubernetes) against the code. Takes modules rather than importing `@regionwatch/core` so it
 * survives the config being one schema or several per process: every export named `configSchema` or
 * `<something>ConfigSchema` counts, and its variables are its JSON Schema's input properties (zod 4's
 * `toJSONSchema`, which sees through `.extend`, `.pipe`, `.transform` and refinements).
 */
export type ConfigSchemas = ReadonlyMap<string, ReadonlySet<string>>;

type JsonSchema = { properties?: Record<string, unknown>; allOf?: JsonSchema[]; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };
type ToJsonSchema = { toJSONSchema(options: { io: 'input'; unrepresentable: 'any' }): JsonSchema };

const SCHEMA_EXPORT = /^(?:configSchema|[a-z][A-Za-z0-9]*ConfigSchema)$/;

/** Export name → the variables that schema reads, over every module given. */
export function configSchemas(...modules: readonly Record<string, unknown>[]): ConfigSchemas {
  const found = new Map<string, ReadonlySet<string>>();
  for (const module of modules) {
    for (const [name, value] of Object.entries(module)) {
      if (!SCHEMA_EXPORT.test(name) || !hasJsonSchema(value)) continue;
      found.set(name, new Set(propertiesOf(value.toJSONSchema({ io: 'input', unrepresentable: 'any' }))));
    }
  }
  if (found.size === 0) throw new Error('no exported configSchema or *ConfigSchema with toJSONSchema() in the modules given');
  return found;
}

/**
 * The variables one process reads: the schemas whose export name mentions it (`workerConfigSchema`),
 * plus the shared pieces' (`configSchema`, `redisConfigSchema`, ...) when no schema is named for it.
 */
export function variablesOf(schemas: ConfigSchemas, process: string): ReadonlySet<string> {
  const own = [...schemas].filter(([name]) => name.toLowerCase().startsWith(process.toLowerCase()));
  const chosen = own.length > 0 ? own : [...schemas];
  return new Set(chosen.flatMap(([, variables]) => [...variables]));
}

/** Every variable of every schema. */
export function allVariables(schemas: ConfigSchemas): ReadonlySet<string> {
  return new Set([...schemas.values()].flatMap((variables) => [...variables]));
}

function hasJsonSchema(value: unknown): value is ToJsonSchema {
  return typeof value === 'object' && value !== null && typeof (value as Partial<ToJsonSchema>).toJSONSchema === 'function';
}

function propertiesOf(schema: JsonSchema): string[] {
  return [
    ...Object.keys(schema.properties ?? {}),
    ...[...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap(propertiesOf),
  ];
}
