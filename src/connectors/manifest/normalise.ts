import {
  type BlanketGrant,
  type Column,
  type DefaultGrant,
  type Derivation,
  err,
  type Grant,
  type Issue,
  type Label,
  type Membership,
  membershipProblem,
  ok,
  type Principal,
  type Resource,
  type Result,
  type RowSecurity,
  type SnapshotData,
} from '../../core/index.ts';
import { indexReferences, type References, resourceIdOf } from './references.ts';
import type { Manifest, ManifestResource } from './schema.ts';

type Path = readonly (string | number)[];

/**
 * Turns a validated manifest into the core's access model, reporting every dangling reference,
 * duplicate name, reserved use of `public`, self-membership, parent cycle and owner-run derivation
 * without an owner, each with its path in the manifest. Pure.
 *
 * Vocabulary stays the manifest's own: privileges, kinds and gates are whatever strings it uses.
 * Resource ids are `kind:name`; a resource's classification path is its name split on dots.
 */
export function normaliseManifest(manifest: Manifest, system: string): Result<SnapshotData, readonly Issue[]> {
  const refs = indexReferences(manifest);
  const data: SnapshotData = {
    system,
    source: 'manifest',
    readPrivilege: manifest.readPrivilege,
    principals: principalsOf(manifest),
    memberships: membershipsOf(manifest, refs),
    resources: resourcesOf(manifest, refs),
    grants: grantsOf(manifest, refs),
    blanketGrants: manifest.blanketGrants.flatMap((g, i): BlanketGrant[] => {
      const principal = refs.grantee(g.principal, ['blanketGrants', i, 'principal']);
      if (principal === undefined) return [];
      const privilege = g.privilege ?? manifest.readPrivilege;
      return [{ principal, privilege, kinds: g.kinds, reason: g.reason ?? 'blanket grant in the manifest' }];
    }),
    defaultGrants: manifest.defaultGrants.flatMap((g, i): DefaultGrant[] => {
      const at = (field: string) => ['defaultGrants', i, field];
      const creator = refs.declared(g.creator, at('creator'), 'a creator');
      const principal = refs.grantee(g.principal, at('principal'));
      const container = g.container === undefined ? undefined : refs.resource(g.container, at('container'));
      if (creator === undefined || principal === undefined || (g.container !== undefined && container === undefined))
        return [];
      return [
        {
          creator,
          ...(container === undefined ? {} : { container: resourceIdOf(container) }),
          kind: g.kind,
          principal,
          privilege: g.privilege ?? manifest.readPrivilege,
          grantable: g.grantable,
        },
      ];
    }),
  };
  checkParentCycles(manifest, refs.issues);
  return refs.issues.length > 0 ? err(refs.issues) : ok(data);
}

function principalsOf(manifest: Manifest): Principal[] {
  const attributes = (kind: string, description: string | undefined) => ({
    kind,
    ...(description === undefined ? {} : { description }),
  });
  return [
    ...manifest.principals.map((p) => ({
      id: p.name,
      name: p.name,
      login: p.login ?? p.kind !== 'group',
      superuser: p.superuser,
      bypassRowSecurity: p.bypassRowSecurity,
      attributes: attributes(p.kind, p.description),
    })),
    ...manifest.groups.map((g) => ({
      id: g.name,
      name: g.name,
      login: false,
      superuser: g.superuser,
      bypassRowSecurity: g.bypassRowSecurity,
      attributes: attributes('group', g.description),
    })),
  ];
}

function membershipsOf(manifest: Manifest, refs: References): Membership[] {
  interface Edge {
    readonly member: string;
    readonly group: string;
    readonly options: { readonly inherit: boolean; readonly set: boolean; readonly admin: boolean };
    readonly path: Path;
    readonly memberPath: Path;
    readonly groupPath: Path;
  }
  const edges: Edge[] = [];
  manifest.groups.forEach((g, i) => {
    g.members.forEach((m, j) => {
      const path = ['groups', i, 'members', j];
      if (typeof m === 'string')
        edges.push({
          member: m,
          group: g.name,
          options: { inherit: true, set: false, admin: false },
          path,
          memberPath: path,
          groupPath: path,
        });
      else
        edges.push({ member: m.name, group: g.name, options: m, path, memberPath: [...path, 'name'], groupPath: path });
    });
  });
  manifest.memberships.forEach((m, i) => {
    const path = ['memberships', i];
    edges.push({
      member: m.member,
      group: m.group,
      options: m,
      path,
      memberPath: [...path, 'member'],
      groupPath: [...path, 'group'],
    });
  });

  const seen = new Set<string>();
  const memberships: Membership[] = [];
  for (const { member, group, options, path, memberPath, groupPath } of edges) {
    const memberId = refs.declared(member, memberPath, 'a member of a group');
    const groupId = refs.declared(group, groupPath, 'a group');
    if (memberId === undefined || groupId === undefined) continue;
    const key = JSON.stringify([memberId, groupId]);
    const membership = {
      member: memberId,
      group: groupId,
      inherit: options.inherit,
      set: options.set,
      admin: options.admin,
    };
    const problem = membershipProblem(membership);
    if (problem !== undefined) refs.issues.push({ ...problem, path });
    else if (seen.has(key))
      refs.issues.push({
        code: 'duplicate_membership',
        path,
        message: `"${memberId}" is listed as a member of "${groupId}" more than once`,
      });
    seen.add(key);
    memberships.push(membership);
  }
  return memberships;
}

function resourcesOf(manifest: Manifest, refs: References): Resource[] {
  const containers = new Set(manifest.resources.flatMap((r) => (r.parent === undefined ? [] : [r.parent])));
  return manifest.resources.map((r, i): Resource => {
    const at = (...rest: (string | number)[]) => ['resources', i, ...rest];
    const parent = r.parent === undefined ? undefined : refs.resource(r.parent, at('parent'));
    const owner = r.owner === undefined ? undefined : refs.declared(r.owner, at('owner'), 'an owner');
    const columns: Column[] = r.columns.map((c) =>
      typeof c === 'string'
        ? { name: c, labels: [] }
        : {
            name: c.name,
            labels: labelsOf(c.labels),
            ...(c.description === undefined ? {} : { comment: c.description }),
          },
    );
    const derivation = r.derivation === undefined ? undefined : derivationOf(r, refs, at('derivation'));
    return {
      id: resourceIdOf(r),
      kind: r.kind,
      name: r.name,
      path: r.name.split('.'),
      ...(parent === undefined ? {} : { parent: resourceIdOf(parent) }),
      ...(owner === undefined ? {} : { owner }),
      readable: r.readable ?? !containers.has(r.name),
      labels: labelsOf(r.labels),
      columns,
      ...(r.gate === undefined
        ? {}
        : { gate: typeof r.gate === 'string' ? { privilege: r.gate, checkedAs: 'acting' } : r.gate }),
      ...(r.rowSecurity === undefined ? {} : { rowSecurity: rowSecurityOf(r.rowSecurity, refs, at('rowSecurity')) }),
      ...(derivation === undefined ? {} : { derivation }),
      ...(r.description === undefined ? {} : { comment: r.description }),
    };
  });
}

function labelsOf(names: readonly string[]): Label[] {
  return [...new Set(names)].map((name) => ({ name, source: { kind: 'manifest' } }));
}

function rowSecurityOf(
  security: NonNullable<ManifestResource['rowSecurity']>,
  refs: References,
  path: Path,
): RowSecurity {
  return {
    enabled: security.enabled,
    forced: security.forced,
    policies: security.policies.map((p, j) => ({
      name: p.name,
      privileges: p.privileges === 'all' ? '*' : p.privileges,
      permissive: p.permissive,
      principals: p.principals.flatMap(
        (name, k) => refs.grantee(name, [...path, 'policies', j, 'principals', k]) ?? [],
      ),
      condition: p.condition ?? null,
      admitsAllRows: p.admitsAllRows,
    })),
  };
}

function derivationOf(resource: ManifestResource, refs: References, path: Path): Derivation | undefined {
  const derivation = resource.derivation;
  if (derivation === undefined) return undefined;
  if (derivation.runsAs === 'owner' && resource.owner === undefined)
    refs.issues.push({
      code: 'missing_owner',
      path: [...path, 'runsAs'],
      message: `"${resource.name}" reads its sources as its owner, so it needs an owner`,
    });
  const sources = derivation.sources.flatMap((s, j) => {
    const source = refs.resource(s.resource, [...path, 'sources', j, 'resource']);
    if (source === undefined) return [];
    refs.columns(source, s.columns, [...path, 'sources', j, 'columns'], true);
    return [{ resource: resourceIdOf(source), columns: s.columns }];
  });
  return { runsAs: derivation.runsAs, sources, ...(derivation.materialized ? { materialized: true } : {}) };
}

function grantsOf(manifest: Manifest, refs: References): Grant[] {
  return manifest.grants.flatMap((g, i): Grant[] => {
    const at = (field: string) => ['grants', i, field];
    const principal = refs.grantee(g.principal, at('principal'));
    const resource = refs.resource(g.resource, at('resource'));
    if (g.column !== undefined && g.columns !== undefined) {
      refs.issues.push({
        code: 'conflicting_fields',
        path: at('columns'),
        message: 'use "column" or "columns", not both',
      });
      return [];
    }
    if (principal === undefined || resource === undefined) return [];
    const columns = g.columns ?? (g.column === undefined ? [] : [g.column]);
    const listed = g.columns !== undefined;
    if (!refs.columns(resource, columns, at(listed ? 'columns' : 'column'), listed)) return [];
    const base = {
      principal,
      privilege: g.privilege ?? manifest.readPrivilege,
      resource: resourceIdOf(resource),
      grantable: g.grantable,
    };
    return columns.length === 0 ? [base] : columns.map((column) => ({ ...base, column }));
  });
}

/** A resource may not be its own ancestor; reported once per resource on a cycle. */
function checkParentCycles(manifest: Manifest, issues: Issue[]): void {
  const parentOf = new Map(manifest.resources.map((r) => [r.name, r.parent]));
  manifest.resources.forEach((resource, i) => {
    const seen = new Set([resource.name]);
    for (let parent = resource.parent; parent !== undefined; parent = parentOf.get(parent)) {
      if (seen.has(parent)) {
        if (parent === resource.name)
          issues.push({
            code: 'parent_cycle',
            path: ['resources', i, 'parent'],
            message: `"${resource.name}" is its own ancestor`,
          });
        return;
      }
      seen.add(parent);
    }
  });
}
