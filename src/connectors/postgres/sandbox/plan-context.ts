import type { PrincipalId, Resource, Snapshot } from '../../../core/index.ts';
import { qualifiedName } from '../names.ts';
import { ident } from './sql-text.ts';

/**
 * One statement of the shadow's build. A step that fails is retried with each alternative in
 * order, as the shadow's superuser (a stand-in that keeps what access depends on), and the
 * alternative's warning is reported; a step that fails with no alternative left is reported as a
 * warning and skipped.
 */
export interface ShadowStep {
  readonly sql: string;
  /** Run as this role (`SET ROLE`), so that PostgreSQL records it as the grantor. */
  readonly as?: PrincipalId;
  readonly alternatives?: readonly { readonly sql: string; readonly warning: string }[];
}

/** What the planners share: the snapshot and the facts read from it once. */
export interface PlanContext {
  readonly snapshot: Snapshot;
  readonly bootstrap: PrincipalId;
  /** `server_version_num` of the source; privileges it does not know are left as PostgreSQL 18 sets them. */
  readonly serverVersion: number;
  /** Collects warnings; planners only append. */
  readonly warnings: string[];
}

/** Predefined roles (`pg_*` names are reserved): they exist in every cluster and cannot be altered. */
export const isPredefinedRole = (name: string) => name.startsWith('pg_');

/** `"schema"."name"` of a relation, function or schema resource (from its path, not its display name). */
export function sqlNameOf(resource: Resource): string {
  return resource.path.map(ident).join('.');
}

/** A function's identity arguments (`a integer, b text`), from its display name `schema.name(args)`. */
export function routineArguments(resource: Resource): string {
  const [schema = '', name = ''] = resource.path;
  const prefix = `${qualifiedName(schema, name)}(`;
  return resource.name.startsWith(prefix) && resource.name.endsWith(')') ? resource.name.slice(prefix.length, -1) : '';
}
