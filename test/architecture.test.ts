import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of DESIGN.md and the only directions their imports may take. Shells (cli, server,
 * gateway, hook) go through runtime and app; adapters (connectors, store) implement app's ports;
 * app holds use cases; core is pure.
 */
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  core: [],
  app: ['core'],
  connectors: ['core', 'app'],
  store: ['core', 'app'],
  runtime: ['core', 'app', 'connectors', 'store'],
  // The CLI starts the other shells: `firebreak serve`, `gateway`, `hook`.
  cli: ['core', 'app', 'runtime', 'server', 'gateway', 'hook'],
  server: ['core', 'app', 'runtime'],
  gateway: ['core', 'app', 'runtime'],
  hook: ['core', 'app', 'runtime'],
};
/** Layers that may not touch the platform or any package: no I/O, no clock, no network. */
const PURE = ['core', 'app'];
/**
 * The only packages pure layers may import: pure computation, read before being allowed (no I/O,
 * no clock, no globals, no eval or Function). CEL evaluates policy conditions in core, where
 * decisions are made (docs/decisions/cel-library.md).
 */
const PURE_PACKAGES: Readonly<Record<string, readonly string[]>> = { core: ['@marcbachmann/cel-js'] };

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/(?:^|\s)(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/(?:^|\s)import\s+['"]([^'"]+)['"]/gm),
  ];
  return specifiers.map((m) => m[1] as string);
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0] as string;

describe('architecture', () => {
  const files = sourceFiles(SRC);

  it('every source file lives in a known layer', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(Object.keys(LAYERS), relative(SRC, file)).toContain(layerOf(file));
  });

  it('imports only point down the layers', () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = layerOf(resolve(dirname(file), specifier));
        if (target !== layer && !(LAYERS[layer] ?? []).includes(target))
          violations.push(`${relative(SRC, file)} → ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('core and app import nothing from the platform or from packages, except the pure packages allowed', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => PURE.includes(layerOf(f))))
      for (const specifier of importsOf(file))
        if (!specifier.startsWith('.') && !(PURE_PACKAGES[layerOf(file)] ?? []).includes(specifier))
          violations.push(`${relative(SRC, file)} → ${specifier}`);
    expect(violations).toEqual([]);
  });

  it('library layers never print or exit: only shells write to the terminal', () => {
    const violations: string[] = [];
    for (const file of files) {
      if (['cli'].includes(layerOf(file))) continue;
      const text = readFileSync(file, 'utf8');
      if (/\bconsole\.|process\.exit\(|process\.(stdout|stderr)\.write/.test(text))
        violations.push(relative(SRC, file));
    }
    expect(violations).toEqual([]);
  });
});
