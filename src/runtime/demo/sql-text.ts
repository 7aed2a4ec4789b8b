/** SQL text helpers for the demo generator: every identifier is quoted, every literal escaped. */

/** `"name"`, with embedded quotes doubled. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A comma-separated list of quoted identifiers. */
export function idents(names: readonly string[]): string {
  return names.map(ident).join(', ');
}

/** A SQL literal: `'text'` with quotes doubled, numbers and booleans as written, null as NULL. */
export function literal(value: string | number | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  return String(value);
}
