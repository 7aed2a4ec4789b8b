import { type PrincipalId, PUBLIC_ID } from '../../../core/index.ts';

/**
 * SQL text for the shadow. Every identifier is double-quoted, keywords included (`names.ts`
 * quotes only what display needs), and every string literal is escaped, so that names taken from
 * the system under analysis can never change the meaning of a generated statement.
 */

/** `"name"`, with embedded double quotes doubled. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/**
 * A standard string literal, `'text'` with single quotes doubled. The shadow keeps
 * `standard_conforming_strings` on (the default since PostgreSQL 9.1), so backslashes are plain
 * characters; a NUL cannot occur in PostgreSQL text and is refused.
 */
export function literal(text: string): string {
  if (text.includes('\u0000')) throw new Error('a SQL string literal cannot contain NUL');
  return `'${text.replaceAll("'", "''")}'`;
}

/** A grantee in GRANT, REVOKE or CREATE POLICY: `PUBLIC` or a quoted role name. */
export function grantee(principal: PrincipalId): string {
  return principal === PUBLIC_ID ? 'PUBLIC' : ident(principal);
}

/** The first line of a statement, shortened, to name it in a warning. */
export function firstLine(sql: string): string {
  const line = sql.trim().split('\n', 1)[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}
