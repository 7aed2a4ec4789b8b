import type { RangeVar } from 'libpg-query';
import {
  applyEdits,
  type Edit,
  type PrincipalId,
  PUBLIC_ID,
  type Resource,
  type Snapshot,
} from '../../../core/index.ts';
import { relationId, schemaId } from '../normalise.ts';
import type { RoleReference } from './ast.ts';

/** A statement cannot be interpreted because of what it says (an unknown role, table…). */
export class InterpretError extends Error {
  override readonly name = 'InterpretError';
}

export interface SessionState {
  /** The snapshot as the statements so far have left it. */
  readonly snapshot: Snapshot;
  /** The role statements run as (SET ROLE changes it). */
  readonly currentRole: PrincipalId;
  /** The role that logged in (SET SESSION AUTHORIZATION changes it). */
  readonly sessionUser: PrincipalId;
  /** Schemas searched for unqualified names, `$user` included as written. */
  readonly searchPath: readonly string[];
  /** States saved by BEGIN and SAVEPOINT, restored by ROLLBACK. */
  readonly saved: readonly { readonly name: string | undefined; readonly state: SessionState }[];
}

export function initialState(snapshot: Snapshot, role: PrincipalId): SessionState {
  return { snapshot, currentRole: role, sessionUser: role, searchPath: ['$user', 'public'], saved: [] };
}

/** Applies edits to the state's snapshot; an invalid edit is a statement the server would reject. */
export function withEdits(state: SessionState, edits: readonly Edit[]): SessionState {
  const next = applyEdits(state.snapshot, edits);
  if (!next.ok) throw new InterpretError(next.error[0]?.message ?? 'the statement cannot be applied');
  return { ...state, snapshot: next.value };
}

export function isSuperuser(state: SessionState, role: PrincipalId = state.currentRole): boolean {
  return state.snapshot.principalById.get(role)?.superuser === true;
}

/** The role a RoleSpec names, or PUBLIC; unknown roles are an error. */
export function resolveRole(state: SessionState, ref: RoleReference | undefined, allowPublic = true): PrincipalId {
  if (ref === undefined) throw new InterpretError('a role is missing');
  switch (ref.kind) {
    case 'public':
      if (!allowPublic) throw new InterpretError('PUBLIC cannot be used here');
      return PUBLIC_ID;
    case 'current_user':
    case 'current_role':
      return state.currentRole;
    case 'session_user':
      return state.sessionUser;
    case 'name':
      if (!state.snapshot.principalById.has(ref.name) || ref.name === PUBLIC_ID)
        throw new InterpretError(`role "${ref.name}" does not exist`);
      return ref.name;
  }
}

/** Schemas of the search path that exist, `$user` expanded to the current role. */
export function searchSchemas(state: SessionState): string[] {
  return state.searchPath
    .map((entry) => (entry === '$user' ? state.currentRole : entry))
    .filter((name) => state.snapshot.resourceById.has(schemaId(name)));
}

/** The relation a name refers to, resolved like PostgreSQL does (schema given, or the search path). */
export function findRelation(state: SessionState, rangeVar: RangeVar): Resource | undefined {
  const name = rangeVar.relname ?? '';
  const schemas = rangeVar.schemaname === undefined ? searchSchemas(state) : [rangeVar.schemaname];
  for (const schema of schemas) {
    const found = state.snapshot.resourceById.get(relationId(schema, name));
    if (found !== undefined) return found;
  }
  return undefined;
}

export function requireRelation(state: SessionState, rangeVar: RangeVar): Resource {
  const found = findRelation(state, rangeVar);
  if (found === undefined) throw new InterpretError(`relation "${displayName(rangeVar)}" does not exist`);
  return found;
}

/** The schema a new object named by `rangeVar` is created in: the one named, or the first on the path. */
export function creationSchema(state: SessionState, rangeVar: RangeVar): string {
  if (rangeVar.schemaname !== undefined) {
    if (!state.snapshot.resourceById.has(schemaId(rangeVar.schemaname)))
      throw new InterpretError(`schema "${rangeVar.schemaname}" does not exist`);
    return rangeVar.schemaname;
  }
  const first = searchSchemas(state)[0];
  if (first === undefined) throw new InterpretError('no schema has been selected to create in (search_path is empty)');
  return first;
}

export function requireSchema(state: SessionState, name: string): Resource {
  const schema = state.snapshot.resourceById.get(schemaId(name));
  if (schema === undefined) throw new InterpretError(`schema "${name}" does not exist`);
  return schema;
}

export function displayName(rangeVar: RangeVar): string {
  return rangeVar.schemaname === undefined
    ? (rangeVar.relname ?? '')
    : `${rangeVar.schemaname}.${rangeVar.relname ?? ''}`;
}

/** The server version the snapshot was read from (privilege sets differ between versions). */
export function serverVersion(state: SessionState): number {
  return Number(state.snapshot.facts?.serverVersion ?? '0');
}
