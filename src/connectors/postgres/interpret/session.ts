import type { Node, TransactionStmt, VariableSetStmt } from 'libpg-query';
import { nodeAs, stringOf } from './ast.ts';
import { editing, type Outcome, opaque, readOnly, sessionChange } from './outcome.ts';
import { resolveRole, type SessionState } from './state.ts';

/** Settings that let a session run code or skip safeguards; everything else only tunes it. */
const RISKY_SETTINGS = new Set([
  'session_replication_role',
  'local_preload_libraries',
  'session_preload_libraries',
  'allow_system_table_mods',
]);

/**
 * SET / RESET. SET ROLE and SET SESSION AUTHORIZATION change who the following statements run
 * as (their grants' grantor, the owner of what they create); SET search_path changes what
 * unqualified names mean. Other settings do not change access.
 */
export function interpretSet(state: SessionState, stmt: VariableSetStmt): Outcome {
  const name = (stmt.name ?? '').toLowerCase();
  const kind = stmt.kind ?? '';
  if (kind === 'VAR_RESET_ALL')
    return sessionChange({ ...state, currentRole: state.sessionUser, searchPath: ['$user', 'public'] });
  const reset = kind === 'VAR_RESET' || kind === 'VAR_SET_DEFAULT';
  const value = firstValue(stmt.args);
  switch (name) {
    case 'role': {
      if (reset || value === 'none') return sessionChange({ ...state, currentRole: state.sessionUser });
      return sessionChange({ ...state, currentRole: resolveRole(state, { kind: 'name', name: value ?? '' }, false) });
    }
    case 'session_authorization': {
      const role = reset ? state.sessionUser : resolveRole(state, { kind: 'name', name: value ?? '' }, false);
      return sessionChange({ ...state, sessionUser: role, currentRole: role });
    }
    case 'search_path': {
      const path = reset ? ['$user', 'public'] : (stmt.args ?? []).map((a) => constantText(a) ?? '');
      return sessionChange({ ...state, searchPath: path });
    }
    default:
      if (RISKY_SETTINGS.has(name)) return opaque(`setting ${name} changes what the session runs or checks`);
      return readOnly([`sets ${name === '' ? 'a parameter' : name} for this session`]);
  }
}

/**
 * BEGIN / SAVEPOINT save the state; ROLLBACK [TO SAVEPOINT] returns to it, undoing the edits of
 * the statements in between; COMMIT / RELEASE keep them.
 */
export function interpretTransaction(state: SessionState, stmt: TransactionStmt): Outcome {
  const kind = stmt.kind ?? '';
  const saved = state.saved;
  switch (kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return sessionChange({ ...state, saved: [{ name: undefined, state }] });
    case 'TRANS_STMT_SAVEPOINT':
      return sessionChange({ ...state, saved: [...saved, { name: stmt.savepoint_name, state }] });
    case 'TRANS_STMT_COMMIT':
      return sessionChange({ ...state, saved: [] });
    case 'TRANS_STMT_RELEASE': {
      const at = saved.findLastIndex((s) => s.name === stmt.savepoint_name);
      return sessionChange({ ...state, saved: at < 0 ? saved : saved.slice(0, at) });
    }
    case 'TRANS_STMT_ROLLBACK': {
      const start = saved[0]?.state;
      if (start === undefined) return readOnly(['no transaction in progress']);
      return sessionChange({ ...start, saved: [] }, ['the transaction is rolled back: its statements take no effect']);
    }
    case 'TRANS_STMT_ROLLBACK_TO': {
      const at = saved.findLastIndex((s) => s.name === stmt.savepoint_name);
      const target = saved[at];
      if (target === undefined) return readOnly([`no savepoint ${stmt.savepoint_name ?? ''}`]);
      return sessionChange({ ...target.state, saved: saved.slice(0, at + 1) }, [
        `statements after savepoint ${stmt.savepoint_name ?? ''} are undone`,
      ]);
    }
    default:
      // PREPARE TRANSACTION and friends: two-phase commit hands the outcome to another session.
      return opaque('two-phase commit leaves the outcome to another session');
  }
}

/** DISCARD ALL resets the session, SET ROLE and search_path included. */
export function interpretDiscard(state: SessionState, mode: string): Outcome {
  if (mode === 'DISCARD_ALL')
    return sessionChange({ ...state, currentRole: state.sessionUser, searchPath: ['$user', 'public'] });
  return editing([], ['discards cached session state']);
}

function firstValue(args: readonly Node[] | undefined): string | undefined {
  const first = args?.[0];
  return first === undefined ? undefined : constantText(first);
}

function constantText(node: Node): string | undefined {
  const constant = nodeAs<{ sval?: { sval?: string } }>(node, 'A_Const');
  return constant?.sval?.sval ?? stringOf(node);
}
