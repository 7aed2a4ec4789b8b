import type {
  ActorInfo,
  ChangeInfo,
  DeltaInfo,
  EditInfo,
  InvariantReader,
  InvariantResource,
  LatentChangeInfo,
  PotentialChangeInfo,
  ResourceChangeInfo,
  StatementInfo,
  SystemInfo,
} from './activation.ts';

/**
 * The CEL type of every field of an activation type. Typed this way, a field added to a
 * TypeScript type without its CEL type does not compile, and the checker knows every field, so a
 * misspelt field in a policy is an error when the policy is loaded, not when a change arrives.
 */
type CelFields<T> = { readonly [K in keyof T]-?: string };

const actor: CelFields<ActorInfo> = { kind: 'string', name: 'string' };
const system: CelFields<SystemInfo> = { name: 'string', kind: 'string' };
const statement: CelFields<StatementInfo> = {
  index: 'int',
  sql: 'string',
  effect: 'string',
  edits: 'list<string>',
  reason: 'string',
  powers: 'list<string>',
};
const edit: CelFields<EditInfo> = {
  kind: 'string',
  principal: 'string',
  resource: 'string',
  privilege: 'string',
  member: 'string',
  group: 'string',
};
const change: CelFields<ChangeInfo> = {
  statements: 'list<Statement>',
  opaque: 'bool',
  readOnly: 'bool',
  mutations: 'int',
  powers: 'list<string>',
  edits: 'list<Edit>',
};
const resourceChange: CelFields<ResourceChangeInfo> = {
  resource: 'string',
  kind: 'string',
  labels: 'list<string>',
  principals: 'list<string>',
  count: 'int',
  full: 'int',
  filtered: 'int',
  columns: 'int',
  created: 'bool',
};
const potentialChange: CelFields<PotentialChangeInfo> = {
  resource: 'string',
  labels: 'list<string>',
  routine: 'string',
  principals: 'list<string>',
  count: 'int',
};
const latentChange: CelFields<LatentChangeInfo> = {
  creator: 'string',
  container: 'string',
  grantee: 'string',
  privilege: 'string',
  principals: 'list<string>',
  count: 'int',
  labelledInContainer: 'int',
};
const delta: CelFields<DeltaInfo> = {
  gained: 'list<ResourceChange>',
  lost: 'list<ResourceChange>',
  potentialGained: 'list<PotentialChange>',
  latentGained: 'list<LatentChange>',
  principalsGaining: 'int',
  principalsLosing: 'int',
  resourcesGaining: 'int',
  resourcesAffected: 'int',
  labelsGained: 'list<string>',
};
const resource: CelFields<InvariantResource> = { name: 'string', kind: 'string', labels: 'list<string>' };
const reader: CelFields<InvariantReader> = {
  name: 'string',
  access: 'string',
  groups: 'list<string>',
  superuser: 'bool',
};

export interface CelScope {
  /**
   * Object types, in an order where each is declared before it is used. Scopes that share this
   * array share the classes their values are converted to.
   */
  readonly types: readonly (readonly [name: string, fields: Readonly<Record<string, string>>])[];
  readonly variables: Readonly<Record<string, string>>;
}

/** What rules see: `actor`, `system`, `change`, `delta`. */
export const RULE_SCOPE: CelScope = {
  types: [
    ['Actor', actor],
    ['System', system],
    ['Statement', statement],
    ['Edit', edit],
    ['Change', change],
    ['ResourceChange', resourceChange],
    ['PotentialChange', potentialChange],
    ['LatentChange', latentChange],
    ['Delta', delta],
  ],
  variables: { actor: 'Actor', system: 'System', change: 'Change', delta: 'Delta' },
};

const invariantTypes: CelScope['types'] = [
  ['System', system],
  ['Resource', resource],
  ['Reader', reader],
];

/** What invariants' `readers` and `message` see: `resource`, `reader`, `system`. */
export const INVARIANT_SCOPE: CelScope = {
  types: invariantTypes,
  variables: { resource: 'Resource', reader: 'Reader', system: 'System' },
};

/**
 * What invariants' `resources` sees: no `reader`, since the selection is evaluated once per
 * resource. It shares the types of {@link INVARIANT_SCOPE}, so one converted activation serves both.
 */
export const INVARIANT_RESOURCE_SCOPE: CelScope = {
  types: invariantTypes,
  variables: { resource: 'Resource', system: 'System' },
};
