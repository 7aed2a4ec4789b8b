import type { DiscardStmt, Node, VariableSetStmt } from 'libpg-query';
import { err, ok, type Principal, type Result } from '../../../core/index.ts';
import { nodeAs, stringOf } from '../interpret/ast.ts';
import { MAX_SCRIPT_LENGTH } from '../interpret/interpret.ts';
import { loadParser, type ParsedStatement, parseScript } from '../interpret/parse.ts';
import type { ReplayStatement } from './protocol.ts';
import { ident } from './sql-text.ts';

/**
 * Splits the change into statements with PostgreSQL's own grammar (as psql would send them) and
 * decides what the shadow sends for each. Nearly always the statement as written; the exceptions
 * are the statements that return a session to the user that opened it (RESET SESSION
 * AUTHORIZATION, SET SESSION AUTHORIZATION DEFAULT or to the role itself, DISCARD ALL): on the
 * real system that user is `role`, in PGlite it is the shadow's bootstrap role, so the shadow
 * returns to `role` instead.
 */
export async function prepareReplay(sql: string, role: Principal): Promise<Result<ReplayStatement[], string>> {
  if (sql.length > MAX_SCRIPT_LENGTH) return err(`the change is larger than ${MAX_SCRIPT_LENGTH} characters`);
  await loadParser();
  const parsed = parseScript(sql);
  if (!parsed.ok)
    return err(`syntax error at line ${parsed.error.line}, column ${parsed.error.column}: ${parsed.error.message}`);
  return ok(parsed.statements.map((statement) => ({ index: statement.index, send: sendFor(statement, role) })));
}

function sendFor(statement: ParsedStatement, role: Principal): readonly string[] {
  const { node, sql } = statement;
  const set = nodeAs<VariableSetStmt>(node, 'VariableSetStmt');
  if (set !== undefined && (set.name ?? '').toLowerCase() === 'session_authorization') {
    const kind = set.kind ?? '';
    const target = kind === 'VAR_SET_VALUE' ? constantText(set.args?.[0]) : undefined;
    if (kind === 'VAR_RESET' || kind === 'VAR_SET_DEFAULT' || target === role.id)
      return [returnTo(role, set.is_local === true)];
    return [sql];
  }
  const discard = nodeAs<DiscardStmt>(node, 'DiscardStmt');
  if (discard?.target === 'DISCARD_ALL')
    // DISCARD ALL is these statements (https://www.postgresql.org/docs/current/sql-discard.html).
    return [
      'CLOSE ALL',
      returnTo(role, false),
      'RESET ALL',
      'DEALLOCATE ALL',
      'UNLISTEN *',
      'SELECT pg_catalog.pg_advisory_unlock_all()',
      'DISCARD PLANS',
      'DISCARD TEMP',
      'DISCARD SEQUENCES',
    ];
  return [sql];
}

/** What "back to the user that opened the session" means when that user is `role`. */
function returnTo(role: Principal, local: boolean): string {
  if (role.superuser) return `SET ${local ? 'LOCAL ' : ''}SESSION AUTHORIZATION ${ident(role.id)}`;
  return local ? 'SET LOCAL ROLE NONE' : 'RESET ROLE';
}

function constantText(node: Node | undefined): string | undefined {
  const constant = nodeAs<{ sval?: { sval?: string } }>(node, 'A_Const');
  return constant?.sval?.sval ?? stringOf(node);
}
