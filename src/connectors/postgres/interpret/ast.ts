import type { DefElem, Node, RoleSpec } from 'libpg-query';

/**
 * Small accessors for libpg-query's JSON AST, where every node is an object with one key naming
 * its type: `{ GrantStmt: {…} }`, `{ String: { sval } }`.
 */
export function nodeType(node: Node | undefined): string {
  if (node === undefined) return 'none';
  return Object.keys(node)[0] ?? 'none';
}

/** The body of a node of the given type, or undefined when the node is of another type. */
export function nodeAs<T>(node: Node | undefined, type: string): T | undefined {
  if (node === undefined) return undefined;
  return (node as Record<string, unknown>)[type] as T | undefined;
}

/** `{ String: { sval } }` → sval. */
export function stringOf(node: Node | undefined): string | undefined {
  return nodeAs<{ sval?: string }>(node, 'String')?.sval;
}

/** A list of `String` nodes (a qualified name) → its parts. */
export function namesOf(nodes: readonly Node[] | undefined): string[] {
  return (nodes ?? []).map((n) => stringOf(n) ?? '');
}

/** The value of a DefElem (option) as a string, boolean or list of strings. */
export function defValue(def: DefElem): string | boolean | number | undefined {
  const arg = def.arg;
  if (arg === undefined) return undefined;
  const bool = nodeAs<{ boolval?: boolean }>(arg, 'Boolean');
  if (bool !== undefined) return bool.boolval === true;
  const integer = nodeAs<{ ival?: number }>(arg, 'Integer');
  if (integer !== undefined) return integer.ival ?? 0;
  const text = stringOf(arg);
  if (text !== undefined) return text;
  const typeName = nodeAs<{ names?: Node[] }>(arg, 'TypeName');
  if (typeName !== undefined) return namesOf(typeName.names).join('.');
  return undefined;
}

export function defElems(nodes: readonly Node[] | undefined): DefElem[] {
  return (nodes ?? []).flatMap((n) => nodeAs<DefElem>(n, 'DefElem') ?? []);
}

export type RoleReference =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'public' }
  | { readonly kind: 'current_user' | 'session_user' | 'current_role' };

/** What a RoleSpec names; the caller resolves CURRENT_USER and friends against its state. */
export function roleReference(spec: RoleSpec | undefined): RoleReference | undefined {
  switch (spec?.roletype) {
    case 'ROLESPEC_CSTRING':
      return { kind: 'name', name: spec.rolename ?? '' };
    case 'ROLESPEC_PUBLIC':
      return { kind: 'public' };
    case 'ROLESPEC_CURRENT_USER':
      return { kind: 'current_user' };
    case 'ROLESPEC_CURRENT_ROLE':
      return { kind: 'current_role' };
    case 'ROLESPEC_SESSION_USER':
      return { kind: 'session_user' };
    default:
      return undefined;
  }
}

export function roleSpecOf(node: Node | undefined): RoleSpec | undefined {
  return nodeAs<RoleSpec>(node, 'RoleSpec');
}

/** Every node of the given types anywhere below `root` (for finding function calls, relations…). */
export function findNodes(root: unknown, types: ReadonlySet<string>, found: { type: string; value: unknown }[] = []) {
  if (Array.isArray(root)) {
    for (const item of root) findNodes(item, types, found);
  } else if (root !== null && typeof root === 'object') {
    for (const [key, value] of Object.entries(root)) {
      if (types.has(key)) found.push({ type: key, value });
      findNodes(value, types, found);
    }
  }
  return found;
}
