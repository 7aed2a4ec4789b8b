import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { FirebreakError, type Snapshot } from '../../core/index.ts';
import { MANIFEST_MAX_BYTES, type ManifestFormat, parseManifest } from './parse-manifest.ts';

const FORMATS: Readonly<Record<string, ManifestFormat>> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' };

/**
 * Reads a manifest file (`.yaml`, `.yml` or `.json`, at most {@link MANIFEST_MAX_BYTES}) into a
 * snapshot. Throws a {@link FirebreakError}: `not_found` when the file does not exist,
 * `invalid_config` when it has another extension, is too large or its content is invalid (the
 * message names the first issue and counts the others), `source_error` when it cannot be read.
 */
export async function readManifestFile(path: string, options: { readonly system?: string } = {}): Promise<Snapshot> {
  const format = FORMATS[extname(path).toLowerCase()];
  if (format === undefined)
    throw new FirebreakError('invalid_config', `manifest ${path} must end in .yaml, .yml or .json`);

  const size = await fileSize(path);
  if (size > MANIFEST_MAX_BYTES)
    throw new FirebreakError(
      'invalid_config',
      `manifest ${path} is ${size} bytes, more than the limit of ${MANIFEST_MAX_BYTES} bytes (20 MB)`,
    );
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw ioError(path, error);
  });

  const result = parseManifest(text, {
    format,
    sourceName: basename(path),
    ...(options.system === undefined ? {} : { system: options.system }),
  });
  if (result.ok) return result.value;
  const [first] = result.error;
  const others = result.error.length - 1;
  const where = first === undefined || first.path.length === 0 ? '' : ` at ${first.path.join('.')}`;
  const more = others > 0 ? ` (and ${others} other issue${others === 1 ? '' : 's'})` : '';
  throw new FirebreakError(
    'invalid_config',
    `invalid manifest ${path}${where}: ${first?.message.replaceAll('\n', ' ') ?? 'unknown problem'}${more}`,
  );
}

async function fileSize(path: string): Promise<number> {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new FirebreakError('invalid_config', `manifest ${path} is not a file`);
    return stats.size;
  } catch (error) {
    throw ioError(path, error);
  }
}

function ioError(path: string, error: unknown): FirebreakError {
  if (error instanceof FirebreakError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new FirebreakError('not_found', `manifest ${path} does not exist`, { cause: error });
  return new FirebreakError('source_error', `cannot read manifest ${path}: ${(error as Error).message}`, {
    cause: error,
  });
}
