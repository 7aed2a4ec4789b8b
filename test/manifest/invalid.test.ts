import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/connectors/manifest/index.ts';
import type { Issue } from '../../src/core/index.ts';

/** A valid manifest; each case below replaces some of its sections. */
const BASE = {
  system: 's',
  principals: [{ name: 'alice' }],
  groups: [{ name: 'staff', members: ['alice'] }],
  resources: [
    { name: 'db', kind: 'database' },
    { name: 'db.t', kind: 'table', parent: 'db', columns: ['id', 'email'] },
  ],
};

function issuesOf(changes: Record<string, unknown>): readonly Issue[] {
  const result = parseManifest(JSON.stringify({ ...BASE, ...changes }), { format: 'json' });
  return result.ok ? [] : result.error;
}

const t = { name: 'db.t', kind: 'table', columns: ['id', 'email'] };

const cases: { behaviour: string; changes: Record<string, unknown>; code: string; path: (string | number)[] }[] = [
  {
    behaviour: 'a misspelt field is an unknown field, at the field itself',
    changes: { principals: [{ name: 'alice', bypasRowSecurity: true }] },
    code: 'unknown_field',
    path: ['principals', 0, 'bypasRowSecurity'],
  },
  {
    behaviour: 'an unknown top-level section is an unknown field',
    changes: { roles: [] },
    code: 'unknown_field',
    path: ['roles'],
  },
  {
    behaviour: 'a resource without a kind is a missing field',
    changes: { resources: [{ name: 'x' }] },
    code: 'missing_field',
    path: ['resources', 0, 'kind'],
  },
  {
    behaviour: 'a manifest without a system name, and none given by the caller, is a missing field',
    changes: { system: undefined },
    code: 'missing_field',
    path: ['system'],
  },
  {
    behaviour: 'a boolean written as a string is an invalid type',
    changes: { principals: [{ name: 'alice', login: 'yes' }] },
    code: 'invalid_type',
    path: ['principals', 0, 'login'],
  },
  {
    behaviour: 'a principal kind outside user, service, agent and group is an invalid value',
    changes: { principals: [{ name: 'alice', kind: 'robot' }] },
    code: 'invalid_value',
    path: ['principals', 0, 'kind'],
  },
  {
    behaviour: 'a column that is neither a name nor an object is an invalid type',
    changes: { resources: [{ name: 'x', kind: 'table', columns: [42] }] },
    code: 'invalid_type',
    path: ['resources', 0, 'columns', 0],
  },
  {
    behaviour: 'an unknown field inside a column object is reported inside the column',
    changes: { resources: [{ name: 'x', kind: 'table', columns: [{ name: 'a', label: ['pii'] }] }] },
    code: 'unknown_field',
    path: ['resources', 0, 'columns', 0, 'label'],
  },
  {
    behaviour: 'a gate checked as anything but session or acting is an invalid value',
    changes: { resources: [{ name: 'x', kind: 'bucket', gate: { privilege: 'list', checkedAs: 'login' } }] },
    code: 'invalid_value',
    path: ['resources', 0, 'gate', 'checkedAs'],
  },
  {
    behaviour: 'an empty list of granted columns is too small',
    changes: { resources: [t], grants: [{ principal: 'alice', resource: 'db.t', columns: [] }] },
    code: 'too_small',
    path: ['grants', 0, 'columns'],
  },
  {
    behaviour: 'a resource label that is not a label name is an invalid label',
    changes: { resources: [{ name: 'x', kind: 'table', labels: ['PII'] }] },
    code: 'invalid_label',
    path: ['resources', 0, 'labels', 0],
  },
  {
    behaviour: 'a column label that is not a label name is an invalid label',
    changes: { resources: [{ name: 'x', kind: 'table', columns: ['id', { name: 'ssn', labels: ['no spaces'] }] }] },
    code: 'invalid_label',
    path: ['resources', 0, 'columns', 1, 'labels', 0],
  },
  {
    behaviour: 'a resource name with an empty segment is an invalid name',
    changes: { resources: [{ name: 'lake..raw', kind: 'bucket' }] },
    code: 'invalid_name',
    path: ['resources', 0, 'name'],
  },
  {
    behaviour: 'a principal name with surrounding spaces is an invalid name',
    changes: { principals: [{ name: ' alice' }] },
    code: 'invalid_name',
    path: ['principals', 0, 'name'],
  },
  {
    behaviour: 'declaring a principal named public is a reserved name',
    changes: { principals: [{ name: 'public' }] },
    code: 'reserved_name',
    path: ['principals', 0, 'name'],
  },
  {
    behaviour: 'declaring a group named PUBLIC in any case is a reserved name',
    changes: { groups: [{ name: 'PUBLIC' }] },
    code: 'reserved_name',
    path: ['groups', 0, 'name'],
  },
  {
    behaviour: 'public as a member is a reserved name',
    changes: { memberships: [{ member: 'public', group: 'staff' }] },
    code: 'reserved_name',
    path: ['memberships', 0, 'member'],
  },
  {
    behaviour: 'public as a group is a reserved name',
    changes: { memberships: [{ member: 'alice', group: 'public' }] },
    code: 'reserved_name',
    path: ['memberships', 0, 'group'],
  },
  {
    behaviour: 'public as an owner is a reserved name',
    changes: { resources: [{ name: 'x', kind: 'table', owner: 'public' }] },
    code: 'reserved_name',
    path: ['resources', 0, 'owner'],
  },
  {
    behaviour: 'public as the creator of a default grant is a reserved name',
    changes: { defaultGrants: [{ creator: 'public', kind: 'table', principal: 'alice' }] },
    code: 'reserved_name',
    path: ['defaultGrants', 0, 'creator'],
  },
  {
    behaviour: 'a group with the name of a principal is a duplicate name',
    changes: { groups: [{ name: 'alice' }] },
    code: 'duplicate_name',
    path: ['groups', 0, 'name'],
  },
  {
    behaviour: 'two resources with one name are a duplicate name, even of different kinds',
    changes: {
      resources: [
        { name: 'x', kind: 'table' },
        { name: 'x', kind: 'view' },
      ],
    },
    code: 'duplicate_name',
    path: ['resources', 1, 'name'],
  },
  {
    behaviour: 'a column listed twice is a duplicate name',
    changes: { resources: [{ name: 'x', kind: 'table', columns: ['id', { name: 'id' }] }] },
    code: 'duplicate_name',
    path: ['resources', 0, 'columns', 1],
  },
  {
    behaviour: 'two row policies with one name on a resource are a duplicate name',
    changes: {
      resources: [{ name: 'x', kind: 'table', rowSecurity: { policies: [{ name: 'p' }, { name: 'p' }] } }],
    },
    code: 'duplicate_name',
    path: ['resources', 0, 'rowSecurity', 'policies', 1, 'name'],
  },
  {
    behaviour: 'a grant to an undeclared principal is an unknown principal',
    changes: { grants: [{ principal: 'bob', resource: 'db.t' }] },
    code: 'unknown_principal',
    path: ['grants', 0, 'principal'],
  },
  {
    behaviour: 'a grant on an undeclared resource is an unknown resource',
    changes: { grants: [{ principal: 'alice', resource: 'db.missing' }] },
    code: 'unknown_resource',
    path: ['grants', 0, 'resource'],
  },
  {
    behaviour: 'a grant on a column the resource does not have is an unknown column, at that column',
    changes: { grants: [{ principal: 'alice', resource: 'db.t', columns: ['id', 'ssn'] }] },
    code: 'unknown_column',
    path: ['grants', 0, 'columns', 1],
  },
  {
    behaviour: 'a grant with both column and columns is conflicting',
    changes: { grants: [{ principal: 'alice', resource: 'db.t', column: 'id', columns: ['email'] }] },
    code: 'conflicting_fields',
    path: ['grants', 0, 'columns'],
  },
  {
    behaviour: 'a parent that is not declared is an unknown resource',
    changes: { resources: [{ name: 'x', kind: 'table', parent: 'nowhere' }] },
    code: 'unknown_resource',
    path: ['resources', 0, 'parent'],
  },
  {
    behaviour: 'an undeclared member of a group is an unknown principal',
    changes: { groups: [{ name: 'staff', members: ['bob'] }] },
    code: 'unknown_principal',
    path: ['groups', 0, 'members', 0],
  },
  {
    behaviour: 'an undeclared group in a membership is an unknown principal',
    changes: { memberships: [{ member: 'alice', group: 'admins' }] },
    code: 'unknown_principal',
    path: ['memberships', 0, 'group'],
  },
  {
    behaviour: 'an undeclared principal in a row policy is an unknown principal',
    changes: {
      resources: [{ name: 'x', kind: 'table', rowSecurity: { policies: [{ name: 'p', principals: ['bob'] }] } }],
    },
    code: 'unknown_principal',
    path: ['resources', 0, 'rowSecurity', 'policies', 0, 'principals', 0],
  },
  {
    behaviour: 'an undeclared principal in a blanket grant is an unknown principal',
    changes: { blanketGrants: [{ principal: 'bob', kinds: ['table'] }] },
    code: 'unknown_principal',
    path: ['blanketGrants', 0, 'principal'],
  },
  {
    behaviour: 'an undeclared container of a default grant is an unknown resource',
    changes: { defaultGrants: [{ creator: 'alice', container: 'nowhere', kind: 'table', principal: 'staff' }] },
    code: 'unknown_resource',
    path: ['defaultGrants', 0, 'container'],
  },
  {
    behaviour: 'a derivation over a column its source does not have is an unknown column',
    changes: {
      resources: [
        t,
        { name: 'v', kind: 'view', owner: 'alice', derivation: { sources: [{ resource: 'db.t', columns: ['ssn'] }] } },
      ],
    },
    code: 'unknown_column',
    path: ['resources', 1, 'derivation', 'sources', 0, 'columns', 0],
  },
  {
    behaviour: 'a derivation that reads as its owner without an owner is a missing owner',
    changes: { resources: [t, { name: 'v', kind: 'view', derivation: { sources: [{ resource: 'db.t' }] } }] },
    code: 'missing_owner',
    path: ['resources', 1, 'derivation', 'runsAs'],
  },
  {
    behaviour: 'a principal that is a member of itself is a self membership',
    changes: { memberships: [{ member: 'staff', group: 'staff' }] },
    code: 'self_membership',
    path: ['memberships', 0],
  },
  {
    behaviour: 'a membership listed both in a group and in memberships is a duplicate membership',
    changes: { memberships: [{ member: 'alice', group: 'staff', set: true }] },
    code: 'duplicate_membership',
    path: ['memberships', 0],
  },
  {
    behaviour: 'a resource that is its own ancestor is a parent cycle',
    changes: {
      resources: [
        { name: 'a', kind: 'folder', parent: 'b' },
        { name: 'b', kind: 'folder', parent: 'a' },
      ],
    },
    code: 'parent_cycle',
    path: ['resources', 0, 'parent'],
  },
];

describe('invalid manifests', () => {
  it.each(cases)('$behaviour', ({ changes, code, path }) => {
    const issues = issuesOf(changes);
    expect(issues).toContainEqual(expect.objectContaining({ code, path }));
    expect(issues.filter((issue) => issue.code !== code)).toEqual([]);
  });
});
