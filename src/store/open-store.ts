import { randomBytes, randomUUID } from 'node:crypto';
import {
  type Approval,
  type DecisionRecord,
  effectiveState,
  type IncidentRecord,
  type LedgerKind,
  type Store,
  type TokenRecord,
  transitionApproval,
  validateApprovalRequest,
  validTokenName,
} from '../app/index.ts';
import { FirebreakError, type JsonValue } from '../core/index.ts';
import { createLedger } from './ledger.ts';
import { sha256 } from './ledger-entry.ts';
import { loadOrCreateSigningKey, verifyingKeys } from './ledger-key.ts';
import { openPgClient } from './pg-client.ts';
import { openPgliteClient } from './pglite-client.ts';
import { migrate, SCHEMA_VERSION } from './schema.ts';
import { assertSchemaName, type SqlClient } from './sql-client.ts';

export interface StoreOptions {
  /** A PostgreSQL server (`postgres://…`); the embedded store in `directory` otherwise. */
  readonly url?: string;
  /** The embedded store's data directory. */
  readonly directory?: string;
  /** The checkpoint signing key file, outside the store (created on first use). */
  readonly keyPath: string;
  /** Schema the store's tables live in (default `firebreak`). */
  readonly schema?: string;
  /** Public keys (PEM) trusted besides the signing key, e.g. other installations sharing the store. */
  readonly trustedKeys?: readonly string[];
  readonly clock?: () => Date;
  readonly checkpointEvery?: number;
  readonly checkpointIntervalMs?: number;
  readonly poolSize?: number;
}

/** Opens (creating or migrating) the store; the ledger is opened with its first entry when new. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const schemaName = options.schema ?? 'firebreak';
  const s = assertSchemaName(schemaName);
  const key = loadOrCreateSigningKey(options.keyPath);
  let client: SqlClient;
  if (options.url !== undefined) client = await openPgClient(options.url, { poolSize: options.poolSize ?? 4 });
  else if (options.directory !== undefined) client = await openPgliteClient(options.directory);
  else throw new TypeError('openStore needs a url or a directory');
  try {
    await migrate(client, schemaName, s);
  } catch (error) {
    await client.close().catch(() => {});
    if (error instanceof FirebreakError) throw error;
    throw new FirebreakError(
      'store_unavailable',
      `cannot prepare the store at ${client.location}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const clock = options.clock ?? (() => new Date());
  const ledger = createLedger({
    client,
    schema: s,
    key,
    witnessPath: `${options.keyPath}.checkpoint`,
    trusted: verifyingKeys([key.publicKeyPem, ...(options.trustedKeys ?? [])]),
    clock,
    checkpointEvery: options.checkpointEvery ?? 1_000,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 60_000,
  });
  await ledger.run({
    async prepare(tx) {
      const any = await tx.query(`select 1 from ${s}.ledger limit 1`);
      if (any.length > 0) return { outcome: () => undefined };
      return {
        record: {
          kind: 'ledger.opened',
          actor: 'firebreak',
          data: { key: key.id, publicKey: key.publicKeyPem, schemaVersion: SCHEMA_VERSION },
        },
        outcome: () => undefined,
      };
    },
  });

  const now = () => clock().toISOString();
  const approvalRecord = (approval: Approval) => approval as unknown as JsonValue;

  return {
    location: client.location,
    ledger,

    recordDecision(input) {
      const id = randomUUID();
      return ledger.run<DecisionRecord>({
        async prepare() {
          return {
            record: {
              kind: 'decision',
              actor: input.actor,
              system: input.system,
              subject: id,
              data: {
                decision: input.decision,
                inputHash: input.inputHash,
                reasons: input.reasons.map((r) => ({ ...r })),
                summary: { ...input.summary, labelsGained: [...input.summary.labelsGained] },
                statements: input.statements,
              },
            },
            async commit(tx, entry) {
              const record: DecisionRecord = { ...input, id, at: entry.at, seq: entry.seq };
              await tx.query(
                `insert into ${s}.decisions (id, at, seq, system, actor, input_hash, decision, record) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
                [
                  id,
                  entry.at,
                  entry.seq,
                  input.system,
                  input.actor,
                  input.inputHash,
                  input.decision,
                  JSON.stringify(record),
                ],
              );
            },
            outcome: (entry) => ({ ...input, id, at: entry?.at ?? now(), seq: entry?.seq ?? 0 }),
          };
        },
      });
    },

    async listDecisions(query = {}) {
      const rows = await client.query<{ record: DecisionRecord }>(
        `select record from ${s}.decisions where ($1::text is null or system = $1) order by at desc, seq desc limit $2`,
        [query.system ?? null, limit(query.limit)],
      );
      return rows.map((r) => r.record);
    },

    requestApproval(request) {
      const valid = validateApprovalRequest(request);
      if (!valid.ok) return Promise.reject(new FirebreakError('invalid_input', valid.error));
      const id = randomUUID();
      return ledger.run<Approval>({
        async prepare() {
          const approval: Approval = { ...request, id, createdAt: now(), state: 'pending', votes: [] };
          return {
            record: {
              kind: 'approval.requested',
              actor: request.requester,
              system: request.system,
              subject: id,
              data: {
                changeHash: request.changeHash,
                statements: [...request.statements],
                rules: [...request.rules],
                requiredApprovals: request.requiredApprovals,
                expiresAt: request.expiresAt,
                decisionId: request.decisionId,
              },
            },
            async commit(tx) {
              await tx.query(
                `insert into ${s}.approvals (id, created_at, state, system, change_hash, requester, expires_at, record)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)`,
                [
                  id,
                  approval.createdAt,
                  approval.state,
                  approval.system,
                  approval.changeHash,
                  approval.requester,
                  approval.expiresAt,
                  JSON.stringify(approvalRecord(approval)),
                ],
              );
            },
            outcome: () => approval,
          };
        },
      });
    },

    async getApproval(id) {
      if (!isUuid(id)) return undefined;
      const row = (
        await client.query<{ record: Approval }>(`select record from ${s}.approvals where id = $1`, [id])
      )[0];
      return row === undefined ? undefined : withEffectiveState(row.record, now());
    },

    async listApprovals(query = {}) {
      const at = now();
      // A pending request past its expiry is listed as expired, whether or not anyone touched it.
      const rows = await client.query<{ record: Approval }>(
        `select record from ${s}.approvals
          where $1::text is null
             or (state = $1 and not ($1 = 'pending' and expires_at <= $3))
             or ($1 = 'expired' and state = 'pending' and expires_at <= $3)
          order by created_at desc limit $2`,
        [query.state ?? null, limit(query.limit), at],
      );
      return rows.map((r) => withEffectiveState(r.record, at));
    },

    actOnApproval(id, action) {
      return ledger.run<Approval>({
        async prepare(tx) {
          const row = isUuid(id)
            ? (
                await tx.query<{ record: Approval }>(`select record from ${s}.approvals where id = $1 for update`, [id])
              )[0]
            : undefined;
          if (row === undefined)
            return {
              outcome: () => {
                throw new FirebreakError('not_found', `no approval request ${id}`);
              },
            };
          const at = now();
          const current = row.record;
          const by = action.kind === 'expire' ? 'firebreak' : action.by;
          const due = current.state === 'pending' && effectiveState(current, at) === 'expired';
          const result =
            due && action.kind !== 'expire'
              ? transitionApproval(current, { kind: 'expire' }, at)
              : transitionApproval(current, action, at);
          if (!result.ok)
            return {
              record: {
                kind: 'approval.refused',
                actor: by,
                system: current.system,
                subject: id,
                data: { action: action.kind, code: result.error.code, message: result.error.message },
              },
              outcome: () => {
                throw new FirebreakError(result.error.code, result.error.message);
              },
            };
          const next = result.value;
          const kind: LedgerKind = due
            ? 'approval.expired'
            : next.state === 'pending'
              ? 'approval.voted'
              : (`approval.${next.state}` as LedgerKind);
          const reason = 'reason' in action ? action.reason : undefined;
          return {
            record: {
              kind,
              actor: by,
              system: current.system,
              subject: id,
              data: {
                state: next.state,
                changeHash: current.changeHash,
                reason,
                approvals: next.votes.filter((v) => v.verdict === 'approve').length,
                required: next.requiredApprovals,
              },
            },
            async commit(commitTx) {
              await commitTx.query(`update ${s}.approvals set state = $2, record = $3 where id = $1`, [
                id,
                next.state,
                JSON.stringify(approvalRecord(next)),
              ]);
            },
            outcome: () => {
              if (due && action.kind !== 'expire')
                throw new FirebreakError('conflict', `approval request ${id} expired at ${current.expiresAt}`);
              return next;
            },
          };
        },
      });
    },

    recordFingerprint(system, fingerprint) {
      return ledger.run<{ changed: boolean }>({
        async prepare(tx) {
          const latest = (
            await tx.query<{ fingerprint: string }>(
              `select fingerprint from ${s}.fingerprints where system = $1 order by id desc limit 1`,
              [system],
            )
          )[0];
          if (latest?.fingerprint === fingerprint) return { outcome: () => ({ changed: false }) };
          return {
            record: {
              kind: 'snapshot.changed',
              actor: 'firebreak',
              system,
              data: { fingerprint, previous: latest?.fingerprint },
            },
            async commit(commitTx, entry) {
              await commitTx.query(`insert into ${s}.fingerprints (system, fingerprint, at) values ($1, $2, $3)`, [
                system,
                fingerprint,
                entry.at,
              ]);
            },
            outcome: () => ({ changed: true }),
          };
        },
      });
    },

    async fingerprints(system, count) {
      const rows = await client.query<{ fingerprint: string; at: Date }>(
        `select fingerprint, at from ${s}.fingerprints where system = $1 order by id desc limit $2`,
        [system, limit(count)],
      );
      return rows.map((r) => ({ fingerprint: r.fingerprint, at: new Date(r.at).toISOString() }));
    },

    openIncident(input) {
      const id = randomUUID();
      return ledger.run<IncidentRecord>({
        async prepare() {
          return {
            record: {
              kind: 'incident.opened',
              actor: 'firebreak',
              system: input.system,
              subject: id,
              data: {
                severity: input.severity,
                title: input.title,
                details: input.details,
                decisionId: input.decisionId,
              },
            },
            async commit(tx, entry) {
              const record: IncidentRecord = { ...input, id, at: entry.at, seq: entry.seq };
              await tx.query(`insert into ${s}.incidents (id, at, seq, system, record) values ($1, $2, $3, $4, $5)`, [
                id,
                entry.at,
                entry.seq,
                input.system,
                JSON.stringify(record),
              ]);
            },
            outcome: (entry) => ({ ...input, id, at: entry?.at ?? now(), seq: entry?.seq ?? 0 }),
          };
        },
      });
    },

    async listIncidents(count) {
      const rows = await client.query<{ record: IncidentRecord }>(
        `select record from ${s}.incidents order by at desc limit $1`,
        [limit(count)],
      );
      return rows.map((r) => r.record);
    },

    createToken(input) {
      if (!validTokenName(input.name))
        return Promise.reject(
          new FirebreakError(
            'invalid_input',
            `token name "${input.name}" must be letters, digits, . _ @ - (at most 64)`,
          ),
        );
      const id = randomUUID();
      const token = `fbk_${randomBytes(32).toString('base64url')}`;
      return ledger.run({
        async prepare() {
          const record: TokenRecord = { id, name: input.name, role: input.role, createdAt: now() };
          return {
            record: {
              kind: 'token.created',
              actor: input.by,
              subject: id,
              data: { name: input.name, role: input.role },
            },
            async commit(tx, entry) {
              await tx.query(`insert into ${s}.tokens (id, name, role, hash, created_at) values ($1, $2, $3, $4, $5)`, [
                id,
                input.name,
                input.role,
                sha256(token),
                entry.at,
              ]);
            },
            outcome: () => ({ token, record }),
          };
        },
      });
    },

    async authenticate(token) {
      if (!/^fbk_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const row = (
        await client.query<TokenRow>(
          `select id, name, role, created_at, revoked_at from ${s}.tokens where hash = $1 and revoked_at is null`,
          [sha256(token)],
        )
      )[0];
      return row === undefined ? undefined : tokenOf(row);
    },

    async listTokens() {
      const rows = await client.query<TokenRow>(
        `select id, name, role, created_at, revoked_at from ${s}.tokens order by created_at`,
      );
      return rows.map(tokenOf);
    },

    revokeToken(id, by) {
      return ledger.run<TokenRecord>({
        async prepare(tx) {
          const row = isUuid(id)
            ? (
                await tx.query<TokenRow>(
                  `select id, name, role, created_at, revoked_at from ${s}.tokens where id = $1 for update`,
                  [id],
                )
              )[0]
            : undefined;
          if (row === undefined || row.revoked_at !== null)
            return {
              outcome: () => {
                throw new FirebreakError('not_found', `no live token ${id}`);
              },
            };
          return {
            record: { kind: 'token.revoked', actor: by, subject: id, data: { name: row.name, role: row.role } },
            async commit(commitTx, entry) {
              await commitTx.query(`update ${s}.tokens set revoked_at = $2 where id = $1`, [id, entry.at]);
            },
            outcome: (entry) => ({ ...tokenOf(row), revokedAt: entry?.at ?? now() }),
          };
        },
      });
    },

    async close() {
      try {
        await ledger.close();
      } finally {
        await client.close();
      }
    },
  };
}

interface TokenRow {
  id: string;
  name: string;
  role: TokenRecord['role'];
  created_at: Date;
  revoked_at: Date | null;
}

function tokenOf(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.revoked_at === null ? {} : { revokedAt: new Date(row.revoked_at).toISOString() }),
  };
}

function withEffectiveState(approval: Approval, now: string): Approval {
  const state = effectiveState(approval, now);
  return state === approval.state ? approval : { ...approval, state };
}

function limit(requested: number | undefined): number {
  return Math.min(Math.max(1, Math.trunc(requested ?? 100)), 1_000);
}

function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
