import type { Edit } from '../../../core/index.ts';
import type { SessionState } from './state.ts';

/** What one statement does, as interpretation found it. */
export interface Outcome {
  readonly effect: 'read-only' | 'edits' | 'opaque';
  /** Edits to the access model (none for statements that only change data). */
  readonly edits: readonly Edit[];
  /** Facts a reviewer should know, e.g. "affects another database". */
  readonly notes: readonly string[];
  /** Why the statement is opaque. */
  readonly reason?: string;
  /** The session after the statement, when the statement changes the session itself (SET ROLE). */
  readonly session?: SessionState;
}

export const readOnly = (notes: readonly string[] = []): Outcome => ({ effect: 'read-only', edits: [], notes });

export const editing = (edits: readonly Edit[], notes: readonly string[] = []): Outcome => ({
  effect: 'edits',
  edits,
  notes,
});

export const opaque = (reason: string): Outcome => ({
  effect: 'opaque',
  edits: [{ kind: 'opaque', reason }],
  notes: [],
  reason,
});

export const sessionChange = (session: SessionState, notes: readonly string[] = []): Outcome => ({
  effect: 'read-only',
  edits: [],
  notes,
  session,
});
