import { createSnapshot, type Resource, type Snapshot, type SnapshotData } from '../../src/core/index.ts';

/** Builds an in-memory snapshot from partial data, for tests of the pure core. */
export function buildSnapshot(data: Partial<SnapshotData>): Snapshot {
  const result = createSnapshot({
    system: 'test',
    source: 'test',
    readPrivilege: 'read',
    principals: [],
    memberships: [],
    resources: [],
    grants: [],
    blanketGrants: [],
    defaultGrants: [],
    ...data,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

/** A readable resource with sensible defaults. */
export function table(name: string, extra: Partial<Resource> = {}): Resource {
  return {
    id: name,
    kind: 'table',
    name,
    path: name.split('.'),
    readable: true,
    labels: [],
    columns: [],
    ...extra,
  };
}

export const user = (name: string, extra = {}) => ({
  id: name,
  name,
  login: true,
  superuser: false,
  bypassRowSecurity: false,
  ...extra,
});
export const group = (name: string, extra = {}) => ({ ...user(name, extra), login: false });
