/**
 * Words that begin a PostgreSQL SQL command (https://www.postgresql.org/docs/current/sql-commands.html).
 * A text whose first word is one of these is taken for SQL.
 */
// biome-ignore format: a word list reads best packed
const COMMAND_KEYWORDS: ReadonlySet<string> = new Set([
  'ABORT', 'ALTER', 'ANALYSE', 'ANALYZE', 'BEGIN', 'CALL', 'CHECKPOINT', 'CLOSE', 'CLUSTER', 'COMMENT', 'COMMIT',
  'COPY', 'CREATE', 'DEALLOCATE', 'DECLARE', 'DELETE', 'DISCARD', 'DO', 'DROP', 'END', 'EXECUTE', 'EXPLAIN',
  'FETCH', 'GRANT', 'IMPORT', 'INSERT', 'LISTEN', 'LOAD', 'LOCK', 'MERGE', 'MOVE', 'NOTIFY', 'PREPARE',
  'REASSIGN', 'REFRESH', 'REINDEX', 'RELEASE', 'RESET', 'REVOKE', 'ROLLBACK', 'SAVEPOINT', 'SECURITY', 'SELECT',
  'SET', 'SHOW', 'START', 'TABLE', 'TRUNCATE', 'UNLISTEN', 'UPDATE', 'VACUUM', 'VALUES', 'WITH',
]);

// biome-ignore format: a word list reads best packed
const OBJECT_KINDS = [
  'ACCESS METHOD', 'AGGREGATE', 'CAST', 'COLLATION', 'CONVERSION', 'DATABASE', 'DEFAULT PRIVILEGES', 'DOMAIN',
  'EVENT TRIGGER', 'EXTENSION', 'FOREIGN DATA WRAPPER', 'FOREIGN TABLE', 'FUNCTION', 'GROUP', 'INDEX',
  'LANGUAGE', 'LARGE OBJECT', 'MATERIALIZED VIEW', 'OPERATOR', 'OPERATOR CLASS', 'OPERATOR FAMILY', 'OWNED',
  'POLICY', 'PROCEDURE', 'PUBLICATION', 'ROLE', 'ROUTINE', 'RULE', 'SCHEMA', 'SEQUENCE', 'SERVER', 'STATISTICS',
  'SUBSCRIPTION', 'SYSTEM', 'TABLE', 'TABLESPACE', 'TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH PARSER', 'TEXT SEARCH TEMPLATE', 'TRANSFORM', 'TRIGGER', 'TYPE', 'USER', 'USER MAPPING', 'VIEW',
];

// biome-ignore format: a word list reads best packed
const OTHER_COMMAND_NAMES = [
  'COMMENT ON', 'COMMIT PREPARED', 'DELETE FROM', 'EXPLAIN ANALYZE', 'IMPORT FOREIGN SCHEMA', 'INSERT INTO',
  'LOCK TABLE', 'MERGE INTO', 'PREPARE TRANSACTION', 'REASSIGN OWNED', 'REFRESH MATERIALIZED VIEW',
  'RELEASE SAVEPOINT', 'ROLLBACK PREPARED', 'ROLLBACK TO SAVEPOINT', 'SECURITY LABEL', 'SELECT INTO',
  'SET CONSTRAINTS', 'SET ROLE', 'SET SESSION AUTHORIZATION', 'SET TRANSACTION', 'START TRANSACTION',
  'VACUUM FULL', 'WITH RECURSIVE',
];

/** Names of commands as prose mentions them (`ALTER ROLE`, `VACUUM`): never a statement to run. */
const COMMAND_NAMES: ReadonlySet<string> = new Set([
  ...COMMAND_KEYWORDS,
  ...OTHER_COMMAND_NAMES,
  ...['ALTER', 'CREATE', 'DROP'].flatMap((verb) => OBJECT_KINDS.map((kind) => `${verb} ${kind}`)),
]);

// biome-ignore format: a word list reads best packed
const PRIVILEGES = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'CREATE', 'CONNECT',
  'TEMPORARY', 'TEMP', 'EXECUTE', 'USAGE', 'SET', 'ALTER SYSTEM', 'MAINTAIN', 'ALL', 'ALL PRIVILEGES',
]);

/** Where the first word of SQL text starts: after blank space, SQL comments and psql meta-command lines. */
function firstWordAt(text: string): number {
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at] ?? '')) at++;
    if (text.startsWith('--', at) || (text[at] === '\\' && (at === 0 || text[at - 1] === '\n'))) {
      const end = text.indexOf('\n', at);
      if (end === -1) return text.length;
      at = end + 1;
    } else if (text.startsWith('/*', at)) {
      const end = text.indexOf('*/', at + 2);
      if (end === -1) return text.length;
      at = end + 2;
    } else {
      return at;
    }
  }
}

const WORD = /[A-Za-z]+/y;

/**
 * Whether text reads as SQL: its first word, past blank space, comments and psql meta-command
 * lines, is a SQL command keyword, and is not followed by a shell option (`set -e`, `truncate -s`).
 */
export function looksLikeSql(text: string): boolean {
  const at = firstWordAt(text);
  WORD.lastIndex = at;
  const word = WORD.exec(text)?.[0];
  if (word === undefined || !COMMAND_KEYWORDS.has(word.toUpperCase())) return false;
  const rest = text.slice(at + word.length, at + word.length + 64);
  if (rest !== '' && !/^[\s;(]/.test(rest)) return false;
  return !/^[ \t]+[-+][A-Za-z-]/.test(rest);
}

/**
 * Whether an inline code span only names a command or privileges (`ALTER ROLE`, `GRANT SELECT,
 * INSERT`, `VACUUM`) rather than stating one to run.
 */
export function isCommandMention(text: string): boolean {
  const words = text.trim().toUpperCase().replace(/\s+/g, ' ');
  if (COMMAND_NAMES.has(words)) return true;
  const privileges = /^(?:GRANT|REVOKE) (.+)$/.exec(words)?.[1];
  return privileges?.split(/ ?, ?/).every((p) => PRIVILEGES.has(p)) === true;
}

/** Whether a transcript line is a command tag psql prints after a statement (`GRANT`, `INSERT 0 1`). */
export function isCommandTag(line: string): boolean {
  return /^[A-Z]+(?: [A-Z]+)*(?: \d+)*$/.test(line.trim());
}
