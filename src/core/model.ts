/**
 * The access model every connector normalises into. It describes who may act as whom, who holds
 * which privilege on which resource, and which resources hold sensitive data, in terms general
 * enough for databases, cloud IAM or a hand-written manifest. Source-specific facts (PostgreSQL's
 * role attributes, ACL strings, catalog oids) stay in the connector that reads them.
 *
 * All values are plain, immutable data; a {@link Snapshot} wraps one system's values at an instant.
 */

/** Stable identifier of a principal within one snapshot (for PostgreSQL: the role name). */
export type PrincipalId = string;
/** Stable identifier of a resource within one snapshot (for PostgreSQL: `kind:qualified.name`). */
export type ResourceId = string;

/**
 * The principal that every other principal implicitly belongs to, with inheritance (PostgreSQL's
 * PUBLIC). A grant to it reaches everyone. No connector may use this id for anything else.
 */
export const PUBLIC_ID: PrincipalId = 'public';

export interface Principal {
  readonly id: PrincipalId;
  /** Name shown to people; unique within the snapshot like the id. */
  readonly name: string;
  /** May authenticate and start a session: only login principals are reported as readers. */
  readonly login: boolean;
  /** Passes every privilege check and every row policy (PostgreSQL SUPERUSER). */
  readonly superuser: boolean;
  /** Passes every row policy, though not privilege checks (PostgreSQL BYPASSRLS). */
  readonly bypassRowSecurity: boolean;
  /** Source facts shown in explanations (e.g. `{ inherit: false }`); never used for decisions. */
  readonly attributes?: Readonly<Record<string, string | boolean | number>>;
}

/**
 * A member → group edge. `inherit` and `set` are separate paths to the group's privileges:
 * inheriting holds them directly; `set` lets the member switch its acting identity to the group
 * (PostgreSQL `SET ROLE`), which also brings the group's own attributes (superuser, bypass).
 */
export interface Membership {
  readonly member: PrincipalId;
  readonly group: PrincipalId;
  readonly inherit: boolean;
  readonly set: boolean;
  readonly admin: boolean;
  readonly grantor?: PrincipalId;
  /** Why an edge exists without an explicit grant, e.g. "database owner". */
  readonly implicit?: string;
}

/** Where a label came from, so a reviewer can see why a resource counts as sensitive. */
export type LabelSource =
  | { readonly kind: 'config'; readonly rule: string }
  | { readonly kind: 'comment'; readonly resource: ResourceId; readonly column?: string }
  | { readonly kind: 'detector'; readonly detector: string; readonly column: string }
  | { readonly kind: 'lineage'; readonly from: ResourceId; readonly column?: string }
  | { readonly kind: 'manifest' };

export interface Label {
  readonly name: string;
  readonly source: LabelSource;
}

export interface Column {
  readonly name: string;
  readonly labels: readonly Label[];
  readonly comment?: string;
  /** The source's type name, e.g. `character varying(255)`; for rebuilding a shadow copy. */
  readonly type?: string;
}

/** A row policy (PostgreSQL: `pg_policy`). */
export interface RowPolicy {
  readonly name: string;
  /** Privileges the policy applies to; `'*'` applies to all. */
  readonly privileges: readonly string[] | '*';
  /** Permissive policies are OR-ed; restrictive ones are AND-ed on top. */
  readonly permissive: boolean;
  /** Principals the policy applies to (with inheritance); may contain {@link PUBLIC_ID}. */
  readonly principals: readonly PrincipalId[];
  /** The condition as written in the source, for display. */
  readonly condition: string | null;
  /** The condition new or changed rows must meet (PostgreSQL `WITH CHECK`), for display. */
  readonly check?: string;
  /** The condition admits every row (e.g. `USING (true)`). Conservative: false when unsure. */
  readonly admitsAllRows: boolean;
}

/** Row-level security on a resource. While enabled, readers see only rows that policies admit. */
export interface RowSecurity {
  readonly enabled: boolean;
  /** Applies to the owner too (PostgreSQL `FORCE ROW LEVEL SECURITY`). */
  readonly forced: boolean;
  readonly policies: readonly RowPolicy[];
}

/** One resource a derived resource reads from, and which of its columns. */
export interface SourceRef {
  readonly resource: ResourceId;
  readonly columns: readonly string[];
}

/**
 * A resource whose data comes from other resources (a view). Its sources are read with the
 * privileges of its owner, or of the acting reader when `runsAs` is `'invoker'`.
 */
export interface Derivation {
  readonly runsAs: 'owner' | 'invoker';
  readonly sources: readonly SourceRef[];
  /**
   * The data was copied when the resource was built (a materialized view, CREATE TABLE AS):
   * labels still flow from the sources, but reading checks nothing on them.
   */
  readonly materialized?: boolean;
}

/**
 * Code that can read data with its owner's privileges when anyone allowed to invoke it calls it
 * (PostgreSQL SECURITY DEFINER functions). What it returns cannot be known statically, so it is a
 * potential read path, not a reader.
 */
export interface Routine {
  readonly runsAs: 'owner' | 'invoker';
  /** Privilege needed to invoke it. */
  readonly invokePrivilege: string;
  /** Resources its body names, or `'any'` when the body cannot be analysed (dynamic code). */
  readonly reads: readonly ResourceId[] | 'any';
}

/**
 * A privilege the holder of a container must have on it before reaching anything inside it
 * (PostgreSQL: USAGE on a schema, checked as the acting role; CONNECT on a database, checked
 * as the login identity when the session starts).
 */
export interface Gate {
  readonly privilege: string;
  readonly checkedAs: 'session' | 'acting';
}

export interface Resource {
  readonly id: ResourceId;
  /** Source-defined kind, e.g. `database`, `schema`, `table`, `view`, `function`, `bucket`. */
  readonly kind: string;
  /** Name shown to people, e.g. `hr.salaries` (quoted where the source would need quotes). */
  readonly name: string;
  /** Unquoted name segments that classification globs match, e.g. `['hr', 'salaries']`. */
  readonly path: readonly string[];
  readonly parent?: ResourceId;
  readonly owner?: PrincipalId;
  /** Holds rows that the snapshot's read privilege gives access to. */
  readonly readable: boolean;
  readonly labels: readonly Label[];
  readonly columns: readonly Column[];
  readonly gate?: Gate;
  readonly rowSecurity?: RowSecurity;
  readonly derivation?: Derivation;
  readonly routine?: Routine;
  readonly comment?: string;
  /** Source text that defines the resource (a view's query, a function's code), when it has one. */
  readonly definition?: string;
  /**
   * Writing to it runs code the writer did not write: triggers, rules, or column defaults and
   * checks that call functions (PostgreSQL). A change that writes to it cannot be analysed.
   */
  readonly writeRunsCode?: boolean;
}

/**
 * `principal` holds `privilege` on `resource` (or only on `column` of it). `implicit` says why a
 * grant exists without a GRANT statement, e.g. the owner's default privileges.
 */
export interface Grant {
  readonly principal: PrincipalId;
  readonly privilege: string;
  readonly resource: ResourceId;
  readonly column?: string;
  readonly grantable: boolean;
  readonly grantor?: PrincipalId;
  readonly implicit?: string;
}

/**
 * `principal` holds `privilege` on every resource of the given kinds without any per-resource
 * grant (PostgreSQL predefined roles such as `pg_read_all_data`).
 */
export interface BlanketGrant {
  readonly principal: PrincipalId;
  readonly privilege: string;
  readonly kinds: readonly string[];
  readonly reason: string;
}

/**
 * A grant that future resources will receive when `creator` creates a resource of `kind` inside
 * `container` (anywhere when absent): latent exposure (PostgreSQL default privileges).
 */
export interface DefaultGrant {
  readonly creator: PrincipalId;
  readonly container?: ResourceId;
  readonly kind: string;
  readonly principal: PrincipalId;
  readonly privilege: string;
  readonly grantable: boolean;
}

/** The plain content of a snapshot, as a connector produces it. */
export interface SnapshotData {
  /** Name of the system this snapshot describes. */
  readonly system: string;
  /** Connector kind that produced it, e.g. `postgres`, `manifest`. */
  readonly source: string;
  /** The privilege that means "may read the rows" (PostgreSQL `SELECT`). */
  readonly readPrivilege: string;
  readonly principals: readonly Principal[];
  readonly memberships: readonly Membership[];
  readonly resources: readonly Resource[];
  readonly grants: readonly Grant[];
  readonly blanketGrants: readonly BlanketGrant[];
  readonly defaultGrants: readonly DefaultGrant[];
  /** Source facts shown to people (e.g. server version); never used for decisions. */
  readonly facts?: Readonly<Record<string, string>>;
}
