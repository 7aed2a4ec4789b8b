import type { ClassificationRules, Edit, PrincipalId, Snapshot } from '../core/index.ts';

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
  /** How this system's native changes are analysed; absent when they cannot be. */
  readonly analyzer?: ChangeAnalyzer;
  close(): Promise<void>;
}

/** One statement of a native change and what it does to the access model. */
export interface StatementAnalysis {
  /** 1-based position in the change. */
  readonly index: number;
  readonly sql: string;
  readonly line: number;
  readonly column: number;
  readonly effect: 'read-only' | 'edits' | 'opaque';
  readonly edits: readonly Edit[];
  readonly notes: readonly string[];
  readonly reason?: string;
  /**
   * Powers beyond privileges on data that logins newly have after the statement, in words (e.g.
   * `REPLICATION (copies the whole cluster): alice`): each can be turned into reading anything.
   */
  readonly powers?: readonly string[];
}

export type ChangeInterpretation =
  | { readonly ok: true; readonly statements: readonly StatementAnalysis[]; readonly after: Snapshot }
  | {
      readonly ok: false;
      readonly error: {
        readonly message: string;
        readonly line: number;
        readonly column: number;
        readonly statement?: number;
      };
    };

export type SandboxOutcome =
  | {
      readonly ok: true;
      readonly after: Snapshot;
      readonly statements: readonly { readonly index: number; readonly ok: boolean; readonly error?: string }[];
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

/** The connector half that understands a system's native changes (SQL for PostgreSQL). */
export interface ChangeAnalyzer {
  /** The role a change runs as when the caller names none (the role Firebreak connects as). */
  defaultActingRole(snapshot: Snapshot): PrincipalId;
  /** Statement-by-statement interpretation into edits, without running anything. */
  interpret(snapshot: Snapshot, change: string, actingAs: PrincipalId): Promise<ChangeInterpretation>;
  /** Replays the change in an isolated copy of the system's access state, never on the system. */
  verify(snapshot: Snapshot, change: string, actingAs: PrincipalId): Promise<SandboxOutcome>;
}

/**
 * The systems a long-running process (the server) serves: opened once by name and kept, with
 * their classification rules compiled.
 */
export interface SystemRegistry {
  /** Every system that can be named: the configuration's, and `demo` unless it defines one. */
  names(): readonly string[];
  /** The open system; throws `not_found` for an unknown name. */
  open(name: string): Promise<{ readonly source: SystemSource; readonly rules: ClassificationRules }>;
  close(): Promise<void>;
}
