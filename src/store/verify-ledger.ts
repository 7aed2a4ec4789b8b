import { type Checkpoint, MAX_FINDINGS, type TamperFinding, type VerifyReport } from '../app/index.ts';
import { canonicalJson } from '../core/index.ts';
import { chainFields, GENESIS_HASH, sha256 } from './ledger-entry.ts';
import type { SqlExecutor } from './sql-client.ts';

export interface VerifyInput {
  readonly client: SqlExecutor;
  /** The quoted schema name. */
  readonly schema: string;
  readonly trusted: { verify(id: string, text: string, signature: string): boolean };
  /** The latest checkpoint this installation signed, kept outside the store. */
  readonly witness: Checkpoint | undefined;
  readonly progress?: ((checked: number, total: number) => void) | undefined;
}

/** Entries read per query: keyset pages keep memory flat however long the chain is. */
const PAGE = 10_000;

/**
 * Walks the whole chain and every checkpoint, trusting nothing in the store: each entry must hash
 * to its recorded hash, be canonical, sit at the position its own text names, link to the entry
 * before it, and agree with every signed checkpoint; the chain must reach every checkpoint.
 */
export async function verifyLedger(input: VerifyInput): Promise<VerifyReport> {
  const { client, schema: s } = input;
  const findings: TamperFinding[] = [];
  let more = false;
  const report = (finding: TamperFinding) => {
    if (findings.length < MAX_FINDINGS) findings.push(finding);
    else more = true;
  };

  const checkpoints = (
    await client.query<{ seq: string; at: Date; hash: string; key: string; signature: string }>(
      `select seq, at, hash, key, signature from ${s}.checkpoints order by seq`,
    )
  ).map((row) => ({
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    hash: row.hash,
    key: row.key,
    signature: row.signature,
  }));
  const signedAt = new Map<number, Checkpoint>();
  for (const cp of checkpoints) {
    const body = canonicalJson({ at: cp.at, hash: cp.hash, key: cp.key, seq: cp.seq });
    if (!input.trusted.verify(cp.key, body, cp.signature))
      report({
        code: 'checkpoint_invalid',
        seq: cp.seq,
        message: `checkpoint at entry ${cp.seq} does not carry a valid signature by a trusted key (${cp.key})`,
      });
    else signedAt.set(cp.seq, cp);
  }
  const witness = input.witness;
  if (witness !== undefined) {
    const stored = signedAt.get(witness.seq);
    if (stored === undefined || stored.hash !== witness.hash) {
      report({
        code: 'checkpoint_missing',
        seq: witness.seq,
        message: `the checkpoint at entry ${witness.seq} that this installation signed is missing from the store or differs`,
      });
      // The copy kept beside the key is the one to trust: check the chain against it.
      const body = canonicalJson({ at: witness.at, hash: witness.hash, key: witness.key, seq: witness.seq });
      if (input.trusted.verify(witness.key, body, witness.signature)) signedAt.set(witness.seq, witness);
    }
  }

  const total = Number(
    (await client.query<{ head: string | null }>(`select max(seq) as head from ${s}.ledger`))[0]?.head ?? 0,
  );
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let entries = 0;
  let head: { seq: number; hash: string } | undefined;
  // The next page is fetched while this one is checked.
  const page = (after: number) =>
    client.query<{ seq: string; at_ms: number; kind: string; hash: string; entry: string }>(
      `select seq, floor(extract(epoch from at) * 1000)::float8 as at_ms, kind, hash, entry
         from ${s}.ledger where seq > $1 order by seq limit ${PAGE}`,
      [after],
    );
  for (let pending = page(0); ; ) {
    const rows = await pending;
    if (rows.length === 0) break;
    const lastRow = rows[rows.length - 1];
    pending = rows.length < PAGE ? Promise.resolve([]) : page(Number(lastRow?.seq));
    for (const row of rows) {
      const seq = Number(row.seq);
      entries++;
      let linked = true;
      if (seq !== expected) {
        report({
          code: 'entry_missing',
          seq: expected,
          message:
            seq - expected === 1
              ? `entry ${expected} is missing (deleted)`
              : `entries ${expected} to ${seq - 1} are missing (deleted)`,
        });
        linked = false;
      }
      const entry = chainFields(row.entry);
      if (sha256(row.entry) !== row.hash || entry === undefined)
        report({
          code: 'entry_modified',
          seq,
          message:
            entry === undefined
              ? `entry ${seq} is not a well-formed canonical entry (modified)`
              : `entry ${seq} was modified: its text no longer matches its hash`,
        });
      else {
        if (entry.seq !== seq)
          report({
            code: 'entry_moved',
            seq,
            message: `the entry stored at position ${seq} is entry ${entry.seq} (entries were reordered or inserted)`,
          });
        else if (linked && entry.prev !== prevHash)
          report({
            code: 'chain_broken',
            seq,
            message: `entry ${seq} does not follow entry ${seq - 1}: entry ${seq - 1} was modified, or entries were inserted or removed between them`,
          });
        if (entry.kind !== row.kind || Date.parse(entry.at) !== Number(row.at_ms))
          report({
            code: 'column_mismatch',
            seq,
            message: `entry ${seq}'s kind or time columns were changed (the entry says ${entry.kind} at ${entry.at})`,
          });
      }
      const cp = signedAt.get(seq);
      if (cp !== undefined && cp.hash !== row.hash)
        report({
          code: 'checkpoint_mismatch',
          seq,
          message: `entry ${seq} is not the entry checkpoint ${seq} signed: the chain up to it was rewritten`,
        });
      prevHash = row.hash;
      expected = seq + 1;
      head = { seq, hash: row.hash };
    }
    input.progress?.(entries, total);
  }

  const last = head?.seq ?? 0;
  const beyond = [...signedAt.values()].filter((cp) => cp.seq > last).sort((a, b) => b.seq - a.seq)[0];
  if (beyond !== undefined)
    report({
      code: 'truncated',
      seq: last + 1,
      message: `the ledger ends at entry ${last}, but a checkpoint signed entries up to ${beyond.seq}: entries ${last + 1} to ${beyond.seq} were removed`,
    });
  const latest = checkpoints.filter((cp) => cp.seq <= last).at(-1);
  return {
    ok: findings.length === 0,
    entries,
    ...(head === undefined ? {} : { head }),
    checkpoints: checkpoints.length,
    ...(latest === undefined ? {} : { latestCheckpoint: { seq: latest.seq, at: latest.at } }),
    unsigned: last - (latest?.seq ?? 0),
    findings: findings.sort((a, b) => a.seq - b.seq),
    truncatedFindings: more,
  };
}
