import type { Decision, JsonValue } from '../core/index.ts';
import type { Approval, ApprovalAction, ApprovalRequest } from './approvals.ts';
import type { TokenRecord, TokenRole } from './identity.ts';

/**
 * What Firebreak records, and where: the store port. Adapters (embedded PGlite, a PostgreSQL
 * server) implement it; every write that matters is appended to the audit ledger in the same
 * transaction as the row it describes, before the caller sees its result (write-ahead).
 */
export interface Store {
  /** Where the store is, safe to print: a directory, or a URL without its password. */
  readonly location: string;
  readonly ledger: Ledger;
  /** Records a check's decision; resolves once the decision is in the ledger. */
  recordDecision(input: DecisionInput): Promise<DecisionRecord>;
  listDecisions(query?: { readonly limit?: number; readonly system?: string }): Promise<readonly DecisionRecord[]>;
  /** Opens an approval request for a held change. */
  requestApproval(input: ApprovalRequest): Promise<Approval>;
  getApproval(id: string): Promise<Approval | undefined>;
  listApprovals(query?: { readonly state?: Approval['state']; readonly limit?: number }): Promise<readonly Approval[]>;
  /** Applies an approval action (approve, deny, execute, expire) under a lock, ledgered. */
  actOnApproval(id: string, action: ApprovalAction): Promise<Approval>;
  /** Records that a system was seen with this snapshot fingerprint (only when it changed). */
  recordFingerprint(system: string, fingerprint: string): Promise<{ readonly changed: boolean }>;
  fingerprints(
    system: string,
    limit?: number,
  ): Promise<readonly { readonly fingerprint: string; readonly at: string }[]>;
  openIncident(input: IncidentInput): Promise<IncidentRecord>;
  /** Creates an API token; the secret is returned once and only its SHA-256 is kept. */
  createToken(input: { readonly name: string; readonly role: TokenRole; readonly by: string }): Promise<{
    readonly token: string;
    readonly record: TokenRecord;
  }>;
  /** The live token this secret belongs to, if any. */
  authenticate(token: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<readonly TokenRecord[]>;
  revokeToken(id: string, by: string): Promise<TokenRecord>;
  listIncidents(limit?: number): Promise<readonly IncidentRecord[]>;
  close(): Promise<void>;
}

/** The kinds of ledger entry; one per kind of thing Firebreak does or sees. */
export const LEDGER_KINDS = [
  'ledger.opened',
  'decision',
  'approval.requested',
  'approval.voted',
  'approval.approved',
  'approval.denied',
  'approval.expired',
  'approval.executed',
  'approval.refused',
  'snapshot.changed',
  'incident.opened',
  'token.created',
  'token.revoked',
  'revert.started',
  'revert.finished',
] as const;

export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** What a caller asks the ledger to record. */
export interface LedgerRecord {
  readonly kind: LedgerKind;
  /** Who did it: `agent:NAME`, `user:NAME`, or `firebreak` for the product itself. */
  readonly actor: string;
  readonly system?: string;
  /** What it is about: a decision, approval or incident id. */
  readonly subject?: string;
  readonly data: { readonly [key: string]: JsonValue | undefined };
}

/** A recorded entry: the record, its place in the chain and its hash. */
export interface LedgerEntry extends LedgerRecord {
  readonly seq: number;
  readonly at: string;
  /** SHA-256 (hex) of the previous entry's canonical text; 64 zeros for the first entry. */
  readonly prev: string;
  /** SHA-256 (hex) of this entry's canonical text (RFC 8785). */
  readonly hash: string;
}

export interface Ledger {
  /** Appends an entry; resolves once it is durable in the chain. */
  append(record: LedgerRecord): Promise<LedgerEntry>;
  /** Entries in order, from `after` (exclusive), at most `limit`. */
  read(query?: {
    readonly after?: number;
    readonly limit?: number;
    readonly kind?: LedgerKind;
  }): Promise<readonly LedgerEntry[]>;
  /** The last `count` entries, oldest first. */
  tail(count: number): Promise<readonly LedgerEntry[]>;
  /** Signs the current head, if anything was appended since the last checkpoint. */
  checkpoint(): Promise<Checkpoint | undefined>;
  /** Re-reads the whole chain and every checkpoint and says whether anything was tampered with. */
  verify(progress?: (checked: number, total: number) => void): Promise<VerifyReport>;
}

/** A signed statement that the chain up to `seq` ends with `hash`. */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  /** Which key signed it: `ed25519:` and the first 16 hex digits of the SHA-256 of the public key. */
  readonly key: string;
  /** Ed25519 signature (base64) over the canonical JSON of `{ at, hash, key, seq }`. */
  readonly signature: string;
}

export const TAMPER_CODES = [
  /** An entry's text does not hash to its recorded hash, or is not canonical JSON. */
  'entry_modified',
  /** An entry does not link to the one before it: modified, inserted or removed entries. */
  'chain_broken',
  /** Sequence numbers jump: entries were deleted. */
  'entry_missing',
  /** An entry sits at a position its own text disagrees with: reordered or inserted. */
  'entry_moved',
  /** A column kept for queries (kind, time) disagrees with the entry's text. */
  'column_mismatch',
  /** A checkpoint's signature does not verify, or it was signed by a key Firebreak does not trust. */
  'checkpoint_invalid',
  /** The chain no longer matches what a checkpoint signed. */
  'checkpoint_mismatch',
  /** The chain ends before a signed checkpoint: entries were removed from the end. */
  'truncated',
  /** Checkpoints this installation signed are missing from the store. */
  'checkpoint_missing',
] as const;

export type TamperCode = (typeof TAMPER_CODES)[number];

export interface TamperFinding {
  readonly code: TamperCode;
  /** The entry (or checkpoint) the problem was found at. */
  readonly seq: number;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly head?: { readonly seq: number; readonly hash: string };
  readonly checkpoints: number;
  readonly latestCheckpoint?: { readonly seq: number; readonly at: string };
  /** Entries after the latest checkpoint: chained, not yet signed. */
  readonly unsigned: number;
  /** At most {@link MAX_FINDINGS}, first problem first. */
  readonly findings: readonly TamperFinding[];
  readonly truncatedFindings: boolean;
}

export const MAX_FINDINGS = 100;

export interface DecisionInput {
  readonly system: string;
  readonly actor: string;
  /** SHA-256 of the canonical change (its SQL pieces), so the same input is recognisable. */
  readonly inputHash: string;
  readonly decision: Decision;
  readonly reasons: readonly { readonly rule: string; readonly decision: Decision; readonly message: string }[];
  readonly summary: {
    readonly principalsGaining: number;
    readonly resourcesGaining: number;
    readonly labelsGained: readonly string[];
  };
  readonly statements: number;
}

export interface DecisionRecord extends DecisionInput {
  readonly id: string;
  readonly at: string;
  /** The ledger entry that recorded it. */
  readonly seq: number;
}

export interface IncidentInput {
  readonly system: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly title: string;
  readonly details: { readonly [key: string]: JsonValue | undefined };
  /** The decision (and so the agent answer) the exposure is linked to, when known. */
  readonly decisionId?: string;
}

export interface IncidentRecord extends IncidentInput {
  readonly id: string;
  readonly at: string;
  readonly seq: number;
}
