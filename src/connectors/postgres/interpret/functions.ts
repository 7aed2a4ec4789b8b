import type { AlterFunctionStmt, CreateFunctionStmt, FunctionParameter, Node, RangeVar } from 'libpg-query';
import {
  type Edit,
  memoized,
  memoKey,
  PUBLIC_ID,
  type Resource,
  type Routine,
  type Snapshot,
} from '../../../core/index.ts';
import { qualifiedName } from '../names.ts';
import { schemaId } from '../normalise.ts';
import { routineReads } from '../routine-reads.ts';
import { defElems, defValue, findNodes, namesOf, nodeAs, stringOf } from './ast.ts';
import { findFunctions } from './grants.ts';
import { editing, type Outcome, opaque } from './outcome.ts';
import { ownerDefaults } from './privileges.ts';
import { findRelation, InterpretError, requireSchema, type SessionState, searchSchemas } from './state.ts';

/**
 * CREATE [OR REPLACE] FUNCTION / PROCEDURE. Only SECURITY DEFINER code can read data for others,
 * so only it enters the model, as a potential read path; replacing such a function with a
 * SECURITY INVOKER one removes the path. OR REPLACE keeps the owner and the grants.
 */
export function interpretCreateFunction(state: SessionState, stmt: CreateFunctionStmt): Outcome {
  const parts = namesOf(stmt.funcname);
  const name = parts[parts.length - 1] ?? '';
  const schema = parts.length > 1 ? (parts[parts.length - 2] ?? '') : searchSchemas(state)[0];
  if (schema === undefined) throw new InterpretError('no schema has been selected to create in (search_path is empty)');
  requireSchema(state, schema);
  const options = defElems(stmt.options);
  const definer = options.some((o) => o.defname === 'security' && defValue(o) === true);
  const languageOption = options.find((o) => o.defname === 'language');
  const language = (languageOption === undefined ? 'sql' : String(defValue(languageOption) ?? 'sql')).toLowerCase();
  const body = bodyOf(options);
  const reads = readsOf(state, language, body, stmt.sql_body);
  const routine: Routine = { runsAs: 'owner', invokePrivilege: 'EXECUTE', reads };

  const inputs = (stmt.parameters ?? [])
    .map((p) => nodeAs<FunctionParameter>(p, 'FunctionParameter') ?? {})
    .filter((p) => p.mode !== 'FUNC_PARAM_OUT' && p.mode !== 'FUNC_PARAM_TABLE');
  const existing = findFunctions(state, { objname: stmt.funcname ?? [] }).filter((f) => arity(f) === inputs.length);
  if (existing.length > 0) {
    if (stmt.replace !== true)
      throw new InterpretError(`function "${name}" already exists with the same argument types`);
    const target = existing[0] as Resource;
    const changes = definer ? { routine, definition: body } : { routine: undefined };
    return editing([{ kind: 'update-resource', resource: target.id, changes }]);
  }
  if (!definer) return editing([], ["SECURITY INVOKER code runs with the caller's privileges: no new read path"]);
  const args = inputs
    .map(
      (p) =>
        `${p.name === undefined ? '' : `${p.name} `}${namesOf(p.argType?.names)
          .filter((n) => n !== 'pg_catalog')
          .join('.')}`,
    )
    .join(', ');
  const label = `${qualifiedName(schema, name)}(${args})`;
  const resource: Resource = {
    id: `function:${label}`,
    kind: 'function',
    name: label,
    path: [schema, name],
    parent: schemaId(schema),
    owner: state.currentRole,
    readable: false,
    labels: [],
    columns: [],
    routine,
    definition: body,
  };
  const grants = [
    ...ownerDefaults(state.currentRole, resource.id, ['EXECUTE']),
    // Functions are executable by PUBLIC unless default privileges say otherwise.
    ...ownerDefaults(state.currentRole, resource.id, ['EXECUTE']).map((g) => ({ ...g, principal: PUBLIC_ID })),
  ];
  return editing(
    [{ kind: 'add-resource', resource }, ...grants.map((grant): Edit => ({ kind: 'add-grant', grant }))],
    ["a SECURITY DEFINER function reads with its owner's privileges for everyone who may execute it"],
  );
}

/** ALTER FUNCTION … SECURITY DEFINER | INVOKER. */
export function interpretAlterFunction(state: SessionState, stmt: AlterFunctionStmt): Outcome {
  const security = defElems(stmt.actions).find((a) => a.defname === 'security');
  if (security === undefined) return editing([], ['does not change who the function runs as']);
  const targets = findFunctions(state, stmt.func ?? {});
  if (defValue(security) === true && targets.length === 0)
    // A function Firebreak did not read (it was SECURITY INVOKER) becomes a read path it cannot see into.
    return opaque('makes a function Firebreak has not analysed SECURITY DEFINER');
  if (defValue(security) === true) return editing([], ['already SECURITY DEFINER']);
  return editing(
    targets.map((t): Edit => ({ kind: 'update-resource', resource: t.id, changes: { routine: undefined } })),
  );
}

function bodyOf(options: ReturnType<typeof defElems>): string {
  const as = options.find((o) => o.defname === 'as');
  const items = nodeAs<{ items?: Node[] }>(as?.arg, 'List')?.items ?? [];
  return items.map((i) => stringOf(i) ?? '').join('\n');
}

function readsOf(state: SessionState, language: string, body: string, sqlBody: Node | undefined): Routine['reads'] {
  const dependencies = findNodes(sqlBody, new Set(['RangeVar'])).flatMap(
    ({ value }) => findRelation(state, value as RangeVar)?.id ?? [],
  );
  return routineReads(sqlBody === undefined ? language : 'sql', body, dependencies, relationsByName(state.snapshot));
}

const RELATIONS_BY_NAME = memoKey<Map<string, string[]>>('relations by name');

function relationsByName(snapshot: Snapshot): Map<string, string[]> {
  return memoized(snapshot, RELATIONS_BY_NAME, () => {
    const map = new Map<string, string[]>();
    for (const r of snapshot.resources)
      if (r.readable && r.path.length === 2) {
        const key = r.path[1] ?? '';
        map.set(key, [...(map.get(key) ?? []), r.id]);
      }
    return map;
  });
}

function arity(fn: Resource): number {
  const args = /\((.*)\)$/.exec(fn.name)?.[1] ?? '';
  return args.trim() === '' ? 0 : args.split(',').length;
}
