import { z } from 'zod';
import { LABEL_NAME, PUBLIC_ID } from '../../core/index.ts';

/**
 * The zod schema of a manifest file, the one place where its content is validated. Objects are
 * strict (an unknown field is an error, so a misspelt `bypasRowSecurity` cannot silently grant
 * nothing), optional fields get their documented defaults here, and shorthands (a column or a
 * gate written as a plain string) are expanded so the rest of the connector sees one shape.
 * Cross-references (a grant naming a resource) are checked in `normalise.ts`.
 * See docs/connectors/manifest.md for the format.
 */

/** Issue code carried in `params.code` of refinements, used instead of zod's generic `custom`. */
const withCode = (code: string, message: string) => ({ error: message, params: { code } });

/** A principal, group or kind name: non-empty, no surrounding spaces. */
const name = z
  .string()
  .min(1)
  .refine((s) => s.trim() === s, withCode('invalid_name', 'a name must not start or end with spaces'));

/** A principal declared by the manifest: `public` is reserved for PUBLIC, whatever its case. */
const declaredPrincipal = name.refine(
  (s) => s.toLowerCase() !== PUBLIC_ID,
  withCode('reserved_name', `"${PUBLIC_ID}" is reserved for PUBLIC (everyone) and cannot be declared`),
);

/** A resource name: dot-separated segments, each non-empty; the segments are its classification path. */
const resourceName = name.refine(
  (s) => s.split('.').every((segment) => segment.length > 0),
  withCode('invalid_name', 'a resource name is dot-separated segments, none of them empty'),
);

const label = z
  .string()
  .refine(
    (s) => LABEL_NAME.test(s),
    withCode('invalid_label', 'a label is 1 to 63 characters of a-z, 0-9, "_" or "-", starting with a letter'),
  );

const labels = z.array(label).default([]);
const privilege = name;

const principal = z.strictObject({
  name: declaredPrincipal,
  kind: z.enum(['user', 'service', 'agent', 'group']).default('user'),
  /** Defaults to true for users, services and agents, false for groups. */
  login: z.boolean().optional(),
  superuser: z.boolean().default(false),
  bypassRowSecurity: z.boolean().default(false),
  description: z.string().optional(),
});

const membershipOptions = {
  inherit: z.boolean().default(true),
  set: z.boolean().default(false),
  admin: z.boolean().default(false),
};

/** `members: [alice, { name: etl, set: true }]` inside a group. */
const groupMember = z.union([name, z.strictObject({ name, ...membershipOptions })], {
  error: 'expected a principal name or { name, inherit, set, admin }',
});

const group = z.strictObject({
  name: declaredPrincipal,
  members: z.array(groupMember).default([]),
  superuser: z.boolean().default(false),
  bypassRowSecurity: z.boolean().default(false),
  description: z.string().optional(),
});

const membership = z.strictObject({ member: name, group: name, ...membershipOptions });

const column = z.union([name, z.strictObject({ name, labels, description: z.string().optional() })], {
  error: 'expected a column name or { name, labels, description }',
});

const gate = z.union(
  [privilege, z.strictObject({ privilege, checkedAs: z.enum(['session', 'acting']).default('acting') })],
  { error: 'expected a privilege name or { privilege, checkedAs }' },
);

const policy = z.strictObject({
  name,
  /** Principals the policy applies to (with inheritance); everyone when absent. */
  principals: z.array(name).default([PUBLIC_ID]),
  privileges: z
    .union([z.literal('all'), z.array(privilege)], { error: 'expected "all" or a list of privileges' })
    .default('all'),
  permissive: z.boolean().default(true),
  condition: z.string().optional(),
  admitsAllRows: z.boolean().default(false),
});

const rowSecurity = z.strictObject({
  enabled: z.boolean().default(true),
  forced: z.boolean().default(false),
  policies: z.array(policy).default([]),
});

const derivation = z.strictObject({
  runsAs: z.enum(['owner', 'invoker']).default('owner'),
  materialized: z.boolean().default(false),
  sources: z.array(z.strictObject({ resource: name, columns: z.array(name).default([]) })).min(1),
});

const resource = z.strictObject({
  name: resourceName,
  kind: name,
  parent: name.optional(),
  owner: name.optional(),
  /** Defaults to true for resources that contain no other resource. */
  readable: z.boolean().optional(),
  labels,
  columns: z.array(column).default([]),
  gate: gate.optional(),
  rowSecurity: rowSecurity.optional(),
  derivation: derivation.optional(),
  description: z.string().optional(),
});

const grant = z.strictObject({
  principal: name,
  /** Defaults to the manifest's read privilege. */
  privilege: privilege.optional(),
  resource: name,
  column: name.optional(),
  columns: z.array(name).min(1).optional(),
  grantable: z.boolean().default(false),
});

const blanketGrant = z.strictObject({
  principal: name,
  privilege: privilege.optional(),
  kinds: z.array(name).min(1),
  reason: z.string().optional(),
});

const defaultGrant = z.strictObject({
  creator: name,
  container: name.optional(),
  kind: name,
  principal: name,
  privilege: privilege.optional(),
  grantable: z.boolean().default(false),
});

export const manifestSchema = z.strictObject({
  /** Name of the system; a name given by the caller (the configuration) takes precedence. */
  system: name.optional(),
  readPrivilege: privilege.default('read'),
  principals: z.array(principal).default([]),
  groups: z.array(group).default([]),
  memberships: z.array(membership).default([]),
  resources: z.array(resource).default([]),
  grants: z.array(grant).default([]),
  blanketGrants: z.array(blanketGrant).default([]),
  defaultGrants: z.array(defaultGrant).default([]),
});

/** A manifest after validation, with every default filled in. */
export type Manifest = z.output<typeof manifestSchema>;
export type ManifestResource = Manifest['resources'][number];
