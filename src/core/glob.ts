import { err, ok, type Result } from './result.ts';

/**
 * Globs over dotted names such as `hr.*`, `*.users.email` or `finance.**`. A pattern is split on
 * unescaped dots into segments matched one to one against the name's segments:
 *
 * - `*` matches any run of characters within a segment, `?` exactly one;
 * - `[abc]`, `[a-z]`, `[!abc]` match one character of (or not of) a set;
 * - a segment that is exactly `**` matches any number of segments, none included;
 * - `\` escapes the next character (write `\.` for a dot inside a name).
 *
 * Matching is case-sensitive, as quoted PostgreSQL identifiers are.
 */
export interface Glob {
  readonly pattern: string;
  matches(segments: readonly string[]): boolean;
}

type Segment = { readonly any: true } | { readonly any: false; readonly regex: RegExp };

export function compileGlob(pattern: string): Result<Glob, string> {
  if (pattern.length === 0) return err('empty glob');
  const parts: string[] = [''];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      if (i + 1 >= pattern.length) return err(`glob "${pattern}" ends with a lone backslash`);
      parts[parts.length - 1] += c + (pattern[++i] as string);
    } else if (c === '.') parts.push('');
    else parts[parts.length - 1] += c;
  }
  const segments: Segment[] = [];
  for (const part of parts) {
    if (part === '') return err(`glob "${pattern}" has an empty segment`);
    if (part === '**') {
      segments.push({ any: true });
      continue;
    }
    const source = segmentRegex(part);
    if (!source.ok) return err(`glob "${pattern}": ${source.error}`);
    segments.push({ any: false, regex: new RegExp(`^${source.value}$`, 'u') });
  }
  return ok({ pattern, matches: (names) => matchFrom(segments, 0, names, 0) });
}

function matchFrom(segments: readonly Segment[], si: number, names: readonly string[], ni: number): boolean {
  if (si === segments.length) return ni === names.length;
  const segment = segments[si] as Segment;
  if (segment.any) {
    for (let skip = ni; skip <= names.length; skip++) if (matchFrom(segments, si + 1, names, skip)) return true;
    return false;
  }
  return ni < names.length && segment.regex.test(names[ni] as string) && matchFrom(segments, si + 1, names, ni + 1);
}

function segmentRegex(part: string): Result<string, string> {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '\\') out += escapeRegex(part[++i] as string);
    else if (c === '*') out += part[i + 1] === '*' ? '' : '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) return err('unclosed "["');
      let body = part.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^[]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else out += escapeRegex(c);
  }
  return ok(out);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, (m) => `\\${m}`);
}
