/**
 * What a SECURITY DEFINER function may read: relations it depends on (SQL-standard bodies) and
 * every relation its body names. Bodies in other languages, and PL/pgSQL that runs dynamic SQL,
 * may read anything their owner can.
 */
export function routineReads(
  language: string,
  source: string,
  dependencies: readonly string[],
  relationsByName: ReadonlyMap<string, readonly string[]>,
): readonly string[] | 'any' {
  if (language !== 'sql' && language !== 'plpgsql') return 'any';
  if (language === 'plpgsql' && /\bexecute\b/i.test(source)) return 'any';
  const reads = new Set(dependencies);
  for (const match of source.matchAll(/"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)/g)) {
    const name = match[1] === undefined ? (match[2] ?? '').toLowerCase() : match[1].replaceAll('""', '"');
    for (const id of relationsByName.get(name) ?? []) reads.add(id);
  }
  return [...reads].sort();
}
