import type { Snapshot } from '../core/index.ts';

/**
 * A system Firebreak can read: the I/O half of a connector, opened by the runtime. Use cases
 * depend on this interface only, never on a connector.
 */
export interface SystemSource {
  /** The system's name (from the configuration, or derived from its location). */
  readonly name: string;
  /** Connector kind: `postgres`, `manifest`, … */
  readonly kind: string;
  /** Where the system is, safe to print (passwords removed). */
  readonly location: string;
  /** A snapshot of the system's current access state. */
  readSnapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}
