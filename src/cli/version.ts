import { readFileSync } from 'node:fs';

/** Firebreak's version, from package.json (the same file in a checkout and in an install). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
