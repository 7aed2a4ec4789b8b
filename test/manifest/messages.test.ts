import { describe, expect, it } from 'vitest';
import { MANIFEST_MAX_BYTES, parseManifest } from '../../src/connectors/manifest/index.ts';
import type { Issue } from '../../src/core/index.ts';

function issuesOf(manifest: Record<string, unknown>): readonly Issue[] {
  const result = parseManifest(JSON.stringify(manifest), { format: 'json' });
  return result.ok ? [] : result.error;
}

describe('issues and their messages', () => {
  it('every dangling reference is reported at once, not only the first', () => {
    const issues = issuesOf({
      system: 's',
      principals: [{ name: 'alice' }],
      resources: [{ name: 'db.t', kind: 'table' }],
      grants: [
        { principal: 'bob', resource: 'db.t' },
        { principal: 'alice', resource: 'nowhere' },
        { principal: 'PUBLIC', resource: 'db.t' },
      ],
    });
    expect(issues.map((i) => [i.code, i.path.join('.')])).toEqual([
      ['unknown_principal', 'grants.0.principal'],
      ['unknown_resource', 'grants.1.resource'],
      ['unknown_principal', 'grants.2.principal'],
    ]);
    expect(issues[2]?.message).toContain('write "public" for everyone');
  });

  it('a document that is not a mapping is an invalid type at the root', () => {
    const result = parseManifest('- system: s\n', { format: 'yaml' });
    expect(result.ok ? [] : result.error).toEqual([expect.objectContaining({ code: 'invalid_type', path: [] })]);
  });

  it('a YAML syntax error is reported with its line', () => {
    const result = parseManifest('system: s\nprincipals: [\n  { name: a\n', { format: 'yaml' });
    expect(result.ok ? [] : result.error).toContainEqual({
      code: 'syntax_error',
      path: [],
      message: 'Flow sequence in block collection must be sufficiently indented and end with a ] (line 4)',
    });
  });

  it('a key written twice in one YAML mapping is a duplicate key', () => {
    const result = parseManifest('system: s\nsystem: t\n', { format: 'yaml' });
    expect(result.ok ? [] : result.error).toEqual([
      expect.objectContaining({ code: 'duplicate_key', message: expect.stringContaining('(line 2)') }),
    ]);
  });

  it('invalid JSON is a syntax error whose message does not repeat the document', () => {
    const text = `{"system": "s", "principals": [${'{"name": "a"},'.repeat(100)}]}`;
    const result = parseManifest(text, { format: 'json' });
    expect(result.ok ? [] : result.error).toEqual([expect.objectContaining({ code: 'syntax_error', path: [] })]);
    expect(result.ok ? 0 : result.error[0]?.message.length).toBeLessThan(300);
  });

  it('a text above the size limit is rejected before parsing', () => {
    const result = parseManifest(' '.repeat(MANIFEST_MAX_BYTES + 1), { format: 'yaml' });
    expect(result.ok ? [] : result.error).toEqual([expect.objectContaining({ code: 'too_large', path: [] })]);
  });

  it('messages end with the line of the problem in YAML, and with the source name when given', () => {
    const text = [
      'system: s',
      'principals:',
      '  - name: alice',
      'grants:',
      '  - principal: bob',
      '    resource: x',
    ].join('\n');
    const result = parseManifest(text, { format: 'yaml', sourceName: 'access.yaml' });
    expect(result.ok ? [] : result.error.map((i) => i.message)).toEqual([
      'unknown principal "bob" (access.yaml:5)',
      'unknown resource "x" (access.yaml:6)',
    ]);
  });

  it('messages carry the line in JSON too, an unknown field pointing at its key', () => {
    const text = JSON.stringify({ system: 's', principals: [{ name: 'alice', admin: true }] }, null, 2);
    const result = parseManifest(text, { format: 'json' });
    expect(result.ok ? [] : result.error).toEqual([
      { code: 'unknown_field', path: ['principals', 0, 'admin'], message: 'unknown field "admin" (line 6)' },
    ]);
  });
});
