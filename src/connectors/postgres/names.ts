/**
 * Display names for PostgreSQL objects: identifiers are double-quoted unless they are plain
 * lower-case, as `quote_ident` does (keywords aside, which only matter when SQL is generated).
 */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * PostgreSQL's boolean spellings for options such as `security_invoker=on`: any unambiguous
 * prefix of true/false/yes/no, on/off, 1/0 (`parse_bool` in src/backend/utils/adt/bool.c).
 */
export function parsePgBool(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (value === '') return undefined;
  if ('true'.startsWith(value) || 'yes'.startsWith(value) || value === 'on' || value === '1') return true;
  if ('false'.startsWith(value) || 'no'.startsWith(value) || value === 'off' || value === '0') return false;
  return undefined;
}
