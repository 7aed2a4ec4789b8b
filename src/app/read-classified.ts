import { type ClassificationRules, classify, FirebreakError, type Snapshot } from '../core/index.ts';
import type { SystemSource } from './ports.ts';

/** Reads a system's snapshot and labels it: the first step of every question about exposure. */
export async function readClassified(source: SystemSource, rules: ClassificationRules): Promise<Snapshot> {
  const snapshot = await source.readSnapshot();
  const classified = classify(snapshot, rules);
  if (!classified.ok)
    throw new FirebreakError(
      'internal',
      `classification broke the snapshot of ${source.name}: ${classified.error[0]?.message ?? ''}`,
    );
  return classified.value;
}
