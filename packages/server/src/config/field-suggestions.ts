/**
 * "Did you mean" for an unknown key of a config file: the fields the schema
 * accepts at that place (found by walking the config schema along the key's
 * path, with the file's own values choosing between variants such as a
 * monitor's probe type), and the one closest to what was written.
 */
import type { z } from 'zod';
import {
  compositeAlarmInputSchema,
  alarmInputSchema,
  configFileSchema,
  monitorCommonShape,
  probeSpecSchema,
} from '@tocsin/protocol';

type Schema = z.core.$ZodType;
type Def = {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  in?: Schema;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  discriminator?: string;
  getter?: () => Schema;
};

const defOf = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The schema of a union that fits a value: its discriminator's match, else the option sharing most of its keys. */
function optionFor(def: Def, value: unknown): Schema | undefined {
  const options = def.options ?? [];
  const data = isRecord(value) ? value : {};
  if (def.discriminator) {
    const match = options.find((o) => {
      const d = defOf(o).shape?.[def.discriminator!];
      return d && (defOf(d) as { values?: unknown[] }).values?.includes(data[def.discriminator!]);
    });
    if (match) return match;
  }
  const score = (o: Schema) => Object.keys(shapeOf(o) ?? {}).filter((k) => k in data).length;
  return [...options].sort((a, b) => score(b) - score(a))[0];
}

/** Unwraps optional, default, pipe and the like to the schema that holds the shape. */
function unwrap(schema: Schema, value: unknown): Schema {
  for (let s = schema, i = 0; i < 20; i++) {
    const def = defOf(s);
    const next =
      def.innerType ??
      def.in ??
      (def.type === 'lazy' ? def.getter?.() : undefined) ??
      (def.type === 'union' ? optionFor(def, value) : undefined);
    if (!next) return s;
    s = next;
  }
  return schema;
}

function shapeOf(schema: Schema): Record<string, Schema> | undefined {
  return defOf(schema).shape;
}

/** The schema and value at one step down (a key of an object, an item of a list). */
function step(schema: Schema, value: unknown, part: string): { schema: Schema; value: unknown } | undefined {
  const s = unwrap(schema, value);
  const def = defOf(s);
  const child = Array.isArray(value) ? value[Number(part)] : isRecord(value) ? value[part] : undefined;
  if (def.type === 'object') return def.shape?.[part] ? { schema: def.shape[part], value: child } : undefined;
  if (def.type === 'array' && def.element) return { schema: def.element, value: child };
  if (def.type === 'record' && def.valueType) return { schema: def.valueType, value: child };
  return undefined;
}

/**
 * Sections whose items the schema checks by hand (a monitor's probe fields, an alarm's kind): the schema of one
 * item.
 */
function itemSchema(
  section: string,
  item: unknown,
): { keys: string[]; child(key: string): Schema | undefined } | undefined {
  const data = isRecord(item) ? item : {};
  if (section === 'monitors') {
    const probe = unwrap(probeSpecSchema as unknown as Schema, data);
    const common = monitorCommonShape as unknown as Record<string, Schema>;
    const probeShape = shapeOf(probe) ?? {};
    return { keys: [...Object.keys(common), ...Object.keys(probeShape)], child: (k) => common[k] ?? probeShape[k] };
  }
  if (section === 'alarms') {
    const shape =
      shapeOf(unwrap(('rule' in data ? compositeAlarmInputSchema : alarmInputSchema) as unknown as Schema, data)) ?? {};
    return { keys: Object.keys(shape), child: (k) => shape[k] };
  }
  return undefined;
}

/** The field names the config file accepts in the mapping at `path` (dotted), or [] when unknown. */
export function fieldsAt(config: Record<string, unknown>, path: string): string[] {
  const parts = path === '' ? [] : path.split('.');
  const [section, index, field] = parts;
  const items = config[section ?? ''];
  const item = Array.isArray(items) && index !== undefined ? items[Number(index)] : undefined;
  const special = section !== undefined && index !== undefined ? itemSchema(section, item) : undefined;
  if (special) {
    if (field === undefined) return special.keys;
    const child = special.child(field);
    return child ? fieldsBelow(child, isRecord(item) ? item[field] : undefined, parts.slice(3)) : [];
  }
  return fieldsBelow(configFileSchema as unknown as Schema, config, parts);
}

/** The fields of the mapping `parts` below a schema and its value. */
function fieldsBelow(schema: Schema, value: unknown, parts: string[]): string[] {
  for (const part of parts) {
    const next = step(schema, value, part);
    if (!next) return [];
    ({ schema, value } = next);
  }
  return Object.keys(shapeOf(unwrap(schema, value)) ?? {});
}

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[x.length][y.length];
}

/** The known field closest to `key`, when it is close enough to be a slip (about one edit in three letters). */
export function closestField(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    if (name === key) continue;
    const d = distance(key, name);
    if (!best || d < best.d) best = { name, d };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(key.length, best.name.length) / 3));
  return best.d <= limit ? best.name : undefined;
}
