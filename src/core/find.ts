import type { Principal, Resource } from './model.ts';
import { err, ok, type Result } from './result.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * Finds a resource by what a person typed: its display name (`hr.salaries`), its dotted path with
 * optional double quotes (`hr."Weird.Name"`), or, failing both, a case-insensitive match that is
 * unique. On failure the error names up to five similar resources.
 */
export function findResource(snapshot: Snapshot, text: string): Result<Resource, string> {
  const exact = snapshot.resources.find((r) => r.name === text);
  if (exact !== undefined) return ok(exact);
  const path = splitDotted(text);
  if (path !== undefined) {
    const byPath = snapshot.resources.filter(
      (r) => r.path.length === path.length && r.path.every((s, i) => s === path[i]),
    );
    if (byPath.length === 1) return ok(byPath[0] as Resource);
    const lower = path.map((s) => s.toLowerCase());
    const folded = snapshot.resources.filter(
      (r) => r.path.length === lower.length && r.path.every((s, i) => s.toLowerCase() === lower[i]),
    );
    if (folded.length === 1) return ok(folded[0] as Resource);
    if (byPath.length + folded.length > 1)
      return err(`"${text}" is ambiguous: ${[...byPath, ...folded].map((r) => `${r.name} (${r.kind})`).join(', ')}`);
  }
  return err(
    notFound(
      'resource',
      text,
      snapshot.resources.map((r) => r.name),
    ),
  );
}

/** Finds a principal by name, exactly or, failing that, case-insensitively when unique. */
export function findPrincipal(snapshot: Snapshot, text: string): Result<Principal, string> {
  const exact = snapshot.principals.find((p) => p.name === text);
  if (exact !== undefined) return ok(exact);
  const folded = snapshot.principals.filter((p) => p.name.toLowerCase() === text.toLowerCase());
  if (folded.length === 1) return ok(folded[0] as Principal);
  return err(
    notFound(
      'principal',
      text,
      snapshot.principals.map((p) => p.name),
    ),
  );
}

/** `a."b.c".d` → ['a', 'b.c', 'd']; undefined when quotes are unbalanced. */
export function splitDotted(text: string): string[] | undefined {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === '.') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  if (quoted) return undefined;
  parts.push(current);
  return parts;
}

function notFound(what: string, text: string, names: readonly string[]): string {
  const needle = text.toLowerCase().split('.').pop() ?? '';
  const similar = names.filter((n) => needle !== '' && n.toLowerCase().includes(needle)).slice(0, 5);
  return `no ${what} named "${text}"${similar.length > 0 ? ` (did you mean ${similar.join(', ')}?)` : ''}`;
}
