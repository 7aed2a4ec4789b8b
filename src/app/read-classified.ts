import { type ClassificationRules, classify, type Snapshot } from '../core/index.ts';
import type { SystemSource } from './ports.ts';

/** Reads a system's snapshot and labels it: the first step of every question about exposure. */
export async function readClassified(source: SystemSource, rules: ClassificationRules): Promise<Snapshot> {
  return classify(await source.readSnapshot(), rules);
}
