import type { CopyStmt, CreateSchemaStmt, DiscardStmt, ExplainStmt, Node, SelectStmt } from 'libpg-query';
import type { ChangeInterpretation, StatementAnalysis } from '../../../app/index.ts';
import type { Edit, PrincipalId, Snapshot } from '../../../core/index.ts';
import {
  interpretAlterOwner,
  interpretAlterTable,
  interpretComment,
  interpretDrop,
  interpretDropOwned,
  interpretReassignOwned,
} from './alter.ts';
import { defElems, nodeAs, nodeType } from './ast.ts';
import { interpretCreateSchema, interpretCreateTable, interpretCreateTableAs, interpretCreateView } from './create.ts';
import { interpretDefaults } from './defaults.ts';
import { interpretAlterFunction, interpretCreateFunction } from './functions.ts';
import { interpretGrant } from './grants.ts';
import { interpretGrantRole } from './memberships.ts';
import { editing, type Outcome, opaque, readOnly } from './outcome.ts';
import { loadParser, type ParsedStatement, parseScript } from './parse.ts';
import { interpretAlterPolicy, interpretCreatePolicy } from './policies.ts';
import { mayGivePowers, powersGained } from './powers.ts';
import { interpretAlterRole, interpretAlterRoleSet, interpretCreateRole, interpretDropRole } from './roles.ts';
import { unsafeCalls } from './safe-functions.ts';
import { interpretDiscard, interpretSet, interpretTransaction } from './session.ts';
import { InterpretError, initialState, type SessionState, withEdits } from './state.ts';
import { redactPasswords } from './text.ts';
import { writesRunningCode } from './writes.ts';

/** One statement of a change, and what it does: the app's port type, which this implements. */
export type StatementEffect = StatementAnalysis;

export type Interpretation = ChangeInterpretation;

/** The largest script accepted, in characters; larger input is refused, never half-read. */
export const MAX_SCRIPT_LENGTH = 1_000_000;

/**
 * Interprets a SQL script against a snapshot, statement by statement, each seeing the state the
 * previous ones left, as if run by `role` in one session. Statements the model does not cover
 * (DO blocks, unknown functions, COPY … PROGRAM…) become opaque edits: reported, never safe.
 */
export async function interpretSql(snapshot: Snapshot, sql: string, role: PrincipalId): Promise<Interpretation> {
  if (sql.length > MAX_SCRIPT_LENGTH)
    return {
      ok: false,
      error: { message: `the change is larger than ${MAX_SCRIPT_LENGTH} characters`, line: 1, column: 1 },
    };
  await loadParser();
  const parsed = parseScript(sql);
  if (!parsed.ok)
    return {
      ok: false,
      error: { message: `syntax error: ${parsed.error.message}`, line: parsed.error.line, column: parsed.error.column },
    };
  if (!snapshot.principalById.has(role))
    return { ok: false, error: { message: `role "${role}" does not exist`, line: 1, column: 1 } };
  let state = initialState(snapshot, role);
  const statements: StatementEffect[] = [];
  for (const statement of parsed.statements) {
    try {
      const outcome = interpretStatement(state, statement);
      const previous = state.snapshot;
      state = outcome.session ?? withEdits(state, outcome.edits);
      const powers = mayGivePowers(state.snapshot, outcome.edits) ? powersGained(previous, state.snapshot) : [];
      statements.push({
        index: statement.index,
        sql: redactPasswords(statement.sql),
        line: statement.line,
        column: statement.column,
        effect: outcome.effect,
        edits: outcome.edits,
        notes: outcome.notes,
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        ...(powers.length === 0 ? {} : { powers }),
      });
    } catch (error) {
      if (!(error instanceof InterpretError)) throw error;
      // After a statement that could not be analysed, the state is unknown: what looks invalid
      // here (a table an opaque ALTER … RENAME made) may be valid, so this statement is opaque too.
      const earlier = statements.find((s) => s.effect === 'opaque');
      if (earlier !== undefined) {
        statements.push({
          index: statement.index,
          sql: redactPasswords(statement.sql),
          line: statement.line,
          column: statement.column,
          effect: 'opaque',
          edits: [],
          notes: [],
          reason: `${error.message}, unless statement ${earlier.index}, which Firebreak cannot analyse, changes that`,
        });
        continue;
      }
      return {
        ok: false,
        error: { message: error.message, line: statement.line, column: statement.column, statement: statement.index },
      };
    }
  }
  return { ok: true, statements, after: state.snapshot };
}

function interpretStatement(state: SessionState, statement: ParsedStatement): Outcome {
  const { node, sql } = statement;
  const type = nodeType(node);
  const body = nodeAs<never>(node, type) as never;
  switch (type) {
    case 'GrantStmt':
      return interpretGrant(state, body);
    case 'GrantRoleStmt':
      return interpretGrantRole(state, body);
    case 'AlterDefaultPrivilegesStmt':
      return interpretDefaults(state, body);
    case 'CreateRoleStmt':
      return interpretCreateRole(state, body);
    case 'AlterRoleStmt':
      return interpretAlterRole(state, body);
    case 'DropRoleStmt':
      return interpretDropRole(state, body);
    case 'AlterRoleSetStmt':
    case 'AlterDatabaseSetStmt':
      return interpretAlterRoleSet(body);
    case 'CreateStmt':
      return interpretCreateTable(state, body);
    case 'CreateTableAsStmt':
      // The query runs now, with whatever functions it calls.
      return guarded(state, node, interpretCreateTableAs(state, body));
    case 'ViewStmt':
      return interpretCreateView(state, body);
    case 'CreateSchemaStmt':
      return interpretSchemaWithElements(state, body, statement);
    case 'AlterTableStmt':
      // ADD COLUMN … DEFAULT, ALTER … TYPE … USING and ADD CHECK run their expressions on every row.
      return guarded(state, node, interpretAlterTable(state, body));
    case 'AlterOwnerStmt':
      return interpretAlterOwner(state, body);
    case 'ReassignOwnedStmt':
      return interpretReassignOwned(state, body);
    case 'DropOwnedStmt':
      return interpretDropOwned(state, body);
    case 'DropStmt':
      return interpretDrop(state, body);
    case 'CommentStmt':
      return interpretComment(state, body);
    case 'CreatePolicyStmt':
      return interpretCreatePolicy(state, body, sql);
    case 'AlterPolicyStmt':
      return interpretAlterPolicy(state, body, sql);
    case 'CreateFunctionStmt':
      return interpretCreateFunction(state, body);
    case 'AlterFunctionStmt':
      return interpretAlterFunction(state, body);
    case 'VariableSetStmt':
      return interpretSet(state, body);
    case 'TransactionStmt':
      return interpretTransaction(state, body);
    case 'DiscardStmt':
      return interpretDiscard(state, (body as DiscardStmt).target ?? '');
    case 'SelectStmt':
      return interpretSelect(state, body);
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
    case 'TruncateStmt':
      return guarded(state, node, editing([], ['changes data, not who can read it']));
    case 'ExplainStmt':
      return interpretExplain(state, body, statement);
    case 'CopyStmt':
      return interpretCopy(state, node, body);
    case 'VariableShowStmt':
    case 'ListenStmt':
    case 'UnlistenStmt':
    case 'NotifyStmt':
    case 'FetchStmt':
    case 'ClosePortalStmt':
    case 'DeallocateStmt':
    case 'CheckPointStmt':
      return readOnly();
    case 'DeclareCursorStmt':
      // The cursor's query runs as it is fetched, with whatever functions it calls.
      return guarded(state, node, readOnly());
    case 'VacuumStmt':
    case 'ClusterStmt':
    case 'ReindexStmt':
    case 'LockStmt':
    case 'CreateSeqStmt':
    case 'AlterSeqStmt':
    case 'CreateEnumStmt':
    case 'AlterEnumStmt':
    case 'CompositeTypeStmt':
    case 'CreateDomainStmt':
    case 'SecLabelStmt':
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterDatabaseStmt':
    case 'AlterDatabaseRefreshCollStmt':
    case 'IndexStmt':
    case 'RefreshMatViewStmt':
      return guarded(state, node, editing([], ['does not change who can read what']));
    case 'DoStmt':
      return opaque('a DO block runs code that cannot be analysed statically');
    case 'CallStmt':
      return opaque('CALL runs a procedure that cannot be analysed statically');
    case 'ExecuteStmt':
      return opaque('EXECUTE runs a prepared statement that cannot be analysed here');
    case 'PrepareStmt':
      return readOnly(['prepares a statement; only running it (EXECUTE) would act']);
    default:
      return opaque(`${describeType(type)} is not analysed`);
  }
}

/**
 * A statement that runs code it does not show is opaque: one that calls functions not known to be
 * harmless, or writes to a relation whose triggers, rules, defaults or checks call functions.
 */
function guarded(state: SessionState, node: Node, outcome: Outcome): Outcome {
  const calls = unsafeCalls(node);
  if (calls.length > 0) return opaque(`calls ${calls.map((c) => `${c}()`).join(', ')}, which Firebreak cannot analyse`);
  const writes = writesRunningCode(state, node);
  if (writes.length > 0)
    return opaque(
      `writing to ${writes.join(', ')} runs its triggers, rules, defaults or checks, which Firebreak cannot analyse`,
    );
  return outcome;
}

function interpretSelect(state: SessionState, select: SelectStmt): Outcome {
  if (select.intoClause !== undefined) {
    const { intoClause, ...query } = select;
    return guarded(
      state,
      { SelectStmt: select } as Node,
      interpretCreateTableAs(state, { query: { SelectStmt: query }, into: intoClause, objtype: 'OBJECT_TABLE' }),
    );
  }
  // WITH … AS (INSERT …) makes a SELECT change data; it still cannot change access.
  return guarded(state, { SelectStmt: select } as Node, readOnly());
}

function interpretExplain(state: SessionState, explain: ExplainStmt, statement: ParsedStatement): Outcome {
  const analyze = defElems(explain.options).some((o) => o.defname === 'analyze');
  if (!analyze || explain.query === undefined) return readOnly(['shows a plan without running the statement']);
  return interpretStatement(state, { ...statement, node: explain.query });
}

function interpretCopy(state: SessionState, node: Node, copy: CopyStmt): Outcome {
  if (copy.is_program === true) return opaque('COPY … PROGRAM runs a shell command on the database server');
  if (copy.filename !== undefined) return opaque("COPY to or from a server file reads or writes the server's files");
  return guarded(state, node, copy.is_from === true ? editing([], ['loads data, does not change access']) : readOnly());
}

/** CREATE SCHEMA … with elements: the schema, then each element created inside it. */
function interpretSchemaWithElements(state: SessionState, stmt: CreateSchemaStmt, statement: ParsedStatement): Outcome {
  const created = interpretCreateSchema(state, stmt);
  const elements = stmt.schemaElts ?? [];
  if (elements.length === 0) return created;
  const name = stmt.schemaname ?? state.currentRole;
  let inner: SessionState = { ...withEdits(state, created.edits), searchPath: [name] };
  const edits: Edit[] = [...created.edits];
  for (const element of elements) {
    const outcome = interpretStatement(inner, { ...statement, node: element });
    if (outcome.effect === 'opaque') return outcome;
    edits.push(...outcome.edits);
    inner = withEdits(inner, outcome.edits);
  }
  return editing(edits, created.notes);
}

/** Node names the grammar abbreviates, spelt out as SQL writes them. */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  Trig: 'Trigger',
  Fdw: 'Foreign Data Wrapper',
  PLang: 'Language',
  Seq: 'Sequence',
  Tab: 'Table',
  Func: 'Function',
  Cmd: 'Command',
};

function describeType(type: string): string {
  return type
    .replace(/Stmt$/, '')
    .replace(/(Trig|Fdw|PLang|Seq|Tab|Func|Cmd)(?=[A-Z]|$)/g, (word) => ABBREVIATIONS[word] ?? word)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}
