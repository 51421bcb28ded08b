/**
 * The in-memory key of a series (namespace, name, dimensions): length-
 * prefixed parts, so two series never share a key whatever their strings
 * hold, and cheaper to build than JSON on the ingest path. Dimensions are
 * taken in name order.
 */
export type Dimension = { Name: string; Value: string };

export function seriesKey(namespace: string, name: string, dims: readonly Dimension[] | undefined): string {
  let key = `${namespace.length}:${namespace}${name.length}:${name}`;
  if (!dims || dims.length === 0) return key;
  if (dims.length === 1) return `${key}${dims[0].Name.length}:${dims[0].Name}${dims[0].Value.length}:${dims[0].Value}`;
  const sorted = [...dims].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  for (const d of sorted) key += `${d.Name.length}:${d.Name}${d.Value.length}:${d.Value}`;
  return key;
}

/** The same key from dimensions as an object, as alarms and internal producers hold them. */
export function seriesKeyOf(namespace: string, name: string, dimensions: Record<string, string>): string {
  return seriesKey(
    namespace,
    name,
    Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
  );
}
