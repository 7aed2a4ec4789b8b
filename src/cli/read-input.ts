import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FirebreakError } from '../core/index.ts';
import type { CliIo } from './io.ts';

/**
 * Reads a change or an answer from a file, or from standard input for `-`, refusing anything
 * larger than `limit` characters (a check must never analyse half a change).
 */
export async function readInput(path: string, limit: number, io: CliIo): Promise<string> {
  if (path === '-') {
    const text = await io.readStdin(limit);
    if (text.length > limit)
      throw new FirebreakError('invalid_input', `standard input is larger than the limit of ${limit} characters`);
    return text;
  }
  const absolute = resolve(io.cwd, path);
  let size: number;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) throw new FirebreakError('invalid_input', `${path} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof FirebreakError) throw error;
    throw new FirebreakError('not_found', `${path} does not exist`);
  }
  // Characters never outnumber bytes, so a file within the limit in bytes is within it in characters.
  if (size > limit * 4)
    throw new FirebreakError('invalid_input', `${path} is larger than the limit of ${limit} characters`);
  const text = await readFile(absolute, 'utf8');
  if (text.length > limit)
    throw new FirebreakError('invalid_input', `${path} is larger than the limit of ${limit} characters`);
  return text;
}
