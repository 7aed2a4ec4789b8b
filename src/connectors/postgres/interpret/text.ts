import { scanSync } from 'libpg-query';
import { byteToCharOffset } from './parse.ts';

/**
 * The text inside the parentheses that follow `keyword` at the top level of a statement, e.g.
 * the condition of `CREATE POLICY … USING (owner = current_user)`. Uses PostgreSQL's own scanner,
 * so strings, quoted names and comments cannot fool it. Undefined when the clause is absent.
 */
export function clauseText(sql: string, keyword: string): string | undefined {
  const tokens = scanSync(sql).tokens;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) continue;
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (depth === 0 && token.text.toUpperCase() === keyword && tokens[i + 1]?.text === '(') {
      const open = tokens[i + 1];
      let inner = 0;
      for (let j = i + 1; j < tokens.length; j++) {
        const t = tokens[j];
        if (t?.text === '(') inner++;
        else if (t?.text === ')' && --inner === 0 && open !== undefined)
          return sql.slice(byteToCharOffset(sql, open.end), byteToCharOffset(sql, t.start)).trim();
      }
    }
  }
  return undefined;
}

/**
 * The statement with every string that follows the word PASSWORD replaced by `'********'`, so
 * that reports, logs and the audit ledger never repeat a secret found in a change.
 */
export function redactPasswords(sql: string): string {
  if (!/password/i.test(sql)) return sql;
  // A comment between PASSWORD and the string (`PASSWORD /* new */ 'secret'`) must not hide it.
  const tokens = scanSync(sql).tokens.filter((t) => t.tokenName !== 'C_COMMENT' && t.tokenName !== 'SQL_COMMENT');
  let redacted = '';
  let at = 0;
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i];
    const previous = tokens[i - 1];
    if (
      token === undefined ||
      previous?.text.toLowerCase() !== 'password' ||
      !/^(?:[eEbBxXuU]&?)?'|^\$/.test(token.text)
    )
      continue;
    const start = byteToCharOffset(sql, token.start);
    redacted += `${sql.slice(at, start)}'********'`;
    at = byteToCharOffset(sql, token.end);
  }
  return redacted + sql.slice(at);
}
