import { type Issue, PUBLIC_ID } from '../../core/index.ts';
import type { Manifest, ManifestResource } from './schema.ts';

type Path = readonly (string | number)[];

/**
 * The names a manifest declares, and lookups that record an issue (with the path of the
 * reference) when a name is unknown, so that every dangling reference is reported in one pass.
 */
export interface References {
  readonly issues: Issue[];
  /** A principal that holds privileges: a declared one or `public`. */
  grantee(name: string, path: Path): string | undefined;
  /** A declared principal (members, groups, owners, creators): `public` is not allowed. */
  declared(name: string, path: Path, role: string): string | undefined;
  /** The id of a declared resource. */
  resource(name: string, path: Path): ManifestResource | undefined;
  /** Checks that `resource` has every column in `columns` (listed at `path`, one per index when a list). */
  columns(resource: ManifestResource, columns: readonly string[], path: Path, list: boolean): boolean;
}

/** Resource ids are `kind:name`, so explanations say what a resource is. */
export const resourceIdOf = (resource: ManifestResource) => `${resource.kind}:${resource.name}`;

export const columnNamesOf = (resource: ManifestResource) =>
  resource.columns.map((column) => (typeof column === 'string' ? column : column.name));

/** Indexes the declared names, reporting duplicates, and returns the lookups. */
export function indexReferences(manifest: Manifest): References {
  const issues: Issue[] = [];
  const principals = new Set<string>();
  const declare = (name: string, path: Path) => {
    if (principals.has(name)) issues.push(duplicate('principal', name, path));
    principals.add(name);
  };
  manifest.principals.forEach((p, i) => {
    declare(p.name, ['principals', i, 'name']);
  });
  manifest.groups.forEach((g, i) => {
    declare(g.name, ['groups', i, 'name']);
  });

  const resources = new Map<string, ManifestResource>();
  manifest.resources.forEach((r, i) => {
    if (resources.has(r.name)) issues.push(duplicate('resource', r.name, ['resources', i, 'name']));
    else resources.set(r.name, r);
    const columns = new Set<string>();
    columnNamesOf(r).forEach((column, j) => {
      if (columns.has(column)) issues.push(duplicate('column', column, ['resources', i, 'columns', j]));
      columns.add(column);
    });
    const policies = new Set<string>();
    r.rowSecurity?.policies.forEach((policy, j) => {
      if (policies.has(policy.name))
        issues.push(duplicate('policy', policy.name, ['resources', i, 'rowSecurity', 'policies', j, 'name']));
      policies.add(policy.name);
    });
  });

  const unknownPrincipal = (name: string, path: Path) => {
    const hint = name.toLowerCase() === PUBLIC_ID ? ` (write "${PUBLIC_ID}" for everyone)` : '';
    issues.push({ code: 'unknown_principal', path, message: `unknown principal "${name}"${hint}` });
    return undefined;
  };
  return {
    issues,
    grantee(name, path) {
      return name === PUBLIC_ID || principals.has(name) ? name : unknownPrincipal(name, path);
    },
    declared(name, path, role) {
      if (name === PUBLIC_ID) {
        issues.push({
          code: 'reserved_name',
          path,
          message: `"${PUBLIC_ID}" (everyone) can only receive grants and row policies, not be ${role}`,
        });
        return undefined;
      }
      return principals.has(name) ? name : unknownPrincipal(name, path);
    },
    resource(name, path) {
      const found = resources.get(name);
      if (found === undefined) issues.push({ code: 'unknown_resource', path, message: `unknown resource "${name}"` });
      return found;
    },
    columns(resource, columns, path, list) {
      const known = new Set(columnNamesOf(resource));
      let ok = true;
      columns.forEach((column, i) => {
        if (known.has(column)) return;
        ok = false;
        issues.push({
          code: 'unknown_column',
          path: list ? [...path, i] : path,
          message: `resource "${resource.name}" has no column "${column}"`,
        });
      });
      return ok;
    },
  };
}

function duplicate(what: string, name: string, path: Path): Issue {
  return { code: 'duplicate_name', path, message: `${what} "${name}" is declared more than once` };
}
