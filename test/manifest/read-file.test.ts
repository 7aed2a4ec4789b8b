import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_MAX_BYTES, readManifestFile } from '../../src/connectors/manifest/index.ts';
import { FirebreakError } from '../../src/core/index.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firebreak-manifest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function failureOf(promise: Promise<unknown>): Promise<FirebreakError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FirebreakError)) throw new Error(`expected a FirebreakError, got ${String(error)}`);
  return error;
}

describe('reading a manifest file', () => {
  it('reads YAML by its .yml extension and JSON by .json, with the system name given by the caller', async () => {
    const yaml = await readManifestFile(await fileWith('a.yml', 'system: a\nprincipals: [{ name: alice }]\n'), {
      system: 'warehouse',
    });
    expect([yaml.system, yaml.principals.map((p) => p.id)]).toEqual(['warehouse', ['public', 'alice']]);
    const json = await readManifestFile(await fileWith('b.JSON', '{"system": "b"}'));
    expect(json.system).toBe('b');
  });

  it('a missing file is not_found', async () => {
    const error = await failureOf(readManifestFile(join(dir, 'absent.yaml')));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('absent.yaml does not exist');
  });

  it('a file with another extension is invalid_config', async () => {
    const error = await failureOf(readManifestFile(await fileWith('access.toml', 'system = "x"')));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('must end in .yaml, .yml or .json');
  });

  it('a directory is invalid_config', async () => {
    const path = join(dir, 'folder.yaml');
    await mkdir(path);
    const error = await failureOf(readManifestFile(path));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('is not a file');
  });

  it('invalid content is invalid_config with one line naming the first issue, its place and the count of others', async () => {
    const path = await fileWith(
      'bad.yaml',
      ['system: s', 'grants:', '  - { principal: bob, resource: x }', '  - { principal: carol, resource: x }'].join(
        '\n',
      ),
    );
    const error = await failureOf(readManifestFile(path));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toBe(
      `invalid manifest ${path} at grants.0.principal: unknown principal "bob" (bad.yaml:3) (and 3 other issues)`,
    );
  });

  it('a file above the size limit is invalid_config, without being read', async () => {
    const path = await fileWith('huge.yaml', '');
    await truncate(path, MANIFEST_MAX_BYTES + 1);
    const error = await failureOf(readManifestFile(path));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain(`more than the limit of ${MANIFEST_MAX_BYTES} bytes`);
  });
});
