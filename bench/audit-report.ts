import { EMPTY_PROBE, type ProbeFigures } from './audit-probe.ts';

/** Where an append transaction's time went, as means per transaction (ms), from the client. */
export interface TxnBreakdown {
  readonly txns: number;
  readonly entriesPerTxn: number;
  readonly checkpointTxns: number;
  readonly meanMs: {
    readonly begin: number;
    /** Includes the round trip; the rest is waiting for another writer's transaction. */
    readonly lockWait: number;
    readonly head: number;
    /** Between statements, in the writer: preparing and encoding (hashing) the batch. */
    readonly client: number;
    readonly insert: number;
    /** Includes the WAL flush (fsync) of the commit. */
    readonly commit: number;
    readonly txn: number;
    /** Lock granted to commit answered. */
    readonly hold: number;
  };
  /** Mean time a checkpoint transaction held the lock (it re-reads the chain since the last one). */
  readonly checkpointHoldMs: number;
  /** Share of the wall time the chain's lock was held (append and checkpoint transactions). */
  readonly lockBusy: number;
  /** Share of the wall time it was held by checkpoint transactions. */
  readonly checkpointBusy: number;
}

export interface AppendCase {
  readonly store: 'server' | 'pglite';
  readonly id: string;
  readonly name: string;
  readonly chained: boolean;
  readonly writers: number;
  readonly inFlight: number;
  /** Entries appended (rows inserted, for the baselines). */
  readonly appends: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Per append call (per statement for the batched baseline). */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly perWriter?: readonly { readonly appends: number; readonly perSecond: number }[];
  readonly transactions?: TxnBreakdown;
}

export interface VerifyCase {
  readonly store: 'server' | 'pglite';
  readonly entries: number;
  readonly checkpoints: number;
  readonly populate: { readonly how: string; readonly seconds: number };
  readonly seconds: number;
  readonly perSecond: number;
  readonly ok: boolean;
  readonly findings: readonly string[];
  readonly rssAfterOpenBytes: number;
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
}

export interface Goal {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface AuditBenchResult {
  readonly benchmark: 'audit';
  readonly server: { readonly location: string; readonly version: string; readonly settings: Record<string, string> };
  readonly cpus: number;
  readonly records: {
    readonly dataBytes: { readonly min: number; readonly mean: number; readonly max: number };
    readonly entryBytes: { readonly min: number; readonly mean: number; readonly max: number };
  };
  readonly options: {
    readonly seconds: number;
    readonly appends: number;
    readonly inFlight: number;
    readonly writers: number;
    readonly checkpointEvery: number;
    readonly baselineConnections: number;
  };
  readonly appends: readonly AppendCase[];
  /** The server chain the writers shared, verified after them. */
  readonly sharedChain: { readonly entries: number; readonly ok: boolean; readonly seconds: number } | null;
  readonly verify: readonly VerifyCase[];
  readonly goals: readonly Goal[];
}

export function breakdownOf(probe: ProbeFigures | undefined, wallMs: number): TxnBreakdown | undefined {
  if (probe === undefined || probe.txns === 0) return undefined;
  const p = { ...EMPTY_PROBE, ...probe };
  const per = (ms: number) => ms / p.txns;
  const statements = p.beginMs + p.lockWaitMs + p.headMs + p.insertMs + p.commitMs + p.otherMs;
  return {
    txns: p.txns,
    entriesPerTxn: p.entries / p.txns,
    checkpointTxns: p.checkpointTxns,
    meanMs: {
      begin: per(p.beginMs),
      lockWait: per(p.lockWaitMs),
      head: per(p.headMs),
      client: per(p.txnMs - statements),
      insert: per(p.insertMs),
      commit: per(p.commitMs),
      txn: per(p.txnMs),
      hold: per(p.holdMs),
    },
    checkpointHoldMs: p.checkpointTxns === 0 ? 0 : p.checkpointHoldMs / p.checkpointTxns,
    lockBusy: (p.holdMs + p.checkpointHoldMs) / wallMs,
    checkpointBusy: p.checkpointHoldMs / wallMs,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? `${n.toFixed(0)} ms` : n >= 10 ? `${n.toFixed(1)} ms` : `${n.toFixed(2)} ms`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export function renderAuditReport(result: AuditBenchResult): string {
  const o = result.options;
  const settings = Object.entries(result.server.settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `Server: ${result.server.version.split(' on ')[0]} at ${result.server.location} (${settings}); ${result.cpus} CPUs on this host, shared`,
    `Records: decision-like (85%) and approval requests; data ${result.records.dataBytes.min}–${result.records.dataBytes.max} bytes (mean ${int(result.records.dataBytes.mean)}), stored entry ${result.records.entryBytes.min}–${result.records.entryBytes.max} bytes (mean ${int(result.records.entryBytes.mean)})`,
    `Each append measurement: ${o.seconds} s or ${int(o.appends)} appends, whichever first, after a warm-up; the store signs a checkpoint every ${int(o.checkpointEvery)} entries`,
    '',
    `${'Appends'.padEnd(66)} ${'appends/s'.padStart(10)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'appends'.padStart(9)}  per txn`,
  ];
  const row = (c: AppendCase, indent = '  ') =>
    `${`${indent}${c.name}`.padEnd(66)} ${int(c.perSecond).padStart(10)} ${ms(c.latencyMs.p50).padStart(9)} ${ms(c.latencyMs.p99).padStart(9)} ${int(c.appends).padStart(9)}  ${c.transactions === undefined ? '' : c.transactions.entriesPerTxn.toFixed(1)}`;
  const find = (id: string) => result.appends.find((c) => c.id === id);
  lines.push('PostgreSQL server, the ledger');
  for (const c of result.appends.filter((x) => x.store === 'server' && x.chained)) {
    lines.push(row(c));
    if (c.perWriter !== undefined)
      lines.push(
        `      per writer: ${c.perWriter.map((w) => `${int(w.perSecond)}/s`).join(', ')} (${c.perWriter.map((w) => int(w.appends)).join(' + ')} appends)`,
      );
  }
  lines.push('PostgreSQL server, baseline: same rows and indexes, no chain, no lock');
  for (const c of result.appends.filter((x) => x.store === 'server' && !x.chained)) lines.push(row(c));
  lines.push('PGlite (embedded; one process holds the data directory, so no concurrent-writer case)');
  for (const c of result.appends.filter((x) => x.store === 'pglite')) lines.push(row(c));

  const ratio = (a: AppendCase | undefined, b: AppendCase | undefined) =>
    a === undefined || b === undefined ? 'n/a' : `${(a.perSecond / b.perSecond).toFixed(2)}×`;
  lines.push(
    '',
    `Ledger ÷ baseline: sequential ${ratio(find('a'), find('baseline-single'))} of one row per transaction; ` +
      `${o.inFlight} in flight ${ratio(find('b'), find('baseline-batched'))} of ${o.inFlight}-row transactions; ` +
      `${o.writers} writers ${ratio(find('c'), find('baseline-connections'))} of one row per transaction over ${o.baselineConnections} connections, ` +
      `${ratio(find('c'), find('baseline-batched'))} of ${o.inFlight}-row transactions`,
  );

  const explained = result.appends.filter((c) => c.transactions !== undefined);
  if (explained.length > 0) {
    lines.push(
      '',
      'Where an append transaction spends its time (server, seen from the writers; mean ms per transaction):',
      `${''.padEnd(34)} ${['begin', 'lock wait', 'head', 'encode', 'insert', 'commit', 'total', 'lock held', 'lock busy'].map((h) => h.padStart(9)).join(' ')}`,
    );
    for (const c of explained) {
      const t = c.transactions as TxnBreakdown;
      const m = t.meanMs;
      lines.push(
        `  ${c.name.slice(0, 32).padEnd(32)} ${[m.begin, m.lockWait, m.head, m.client, m.insert, m.commit, m.txn, m.hold].map((v) => v.toFixed(2).padStart(9)).join(' ')} ${`${(t.lockBusy * 100).toFixed(0)}%`.padStart(9)}`,
      );
    }
    lines.push(
      '  (lock wait includes its round trip; encode is the time between statements in the writer; commit includes',
      '  the WAL flush; lock busy is the share of wall time some writer held the chain lock, checkpoints included)',
    );
    for (const c of explained) {
      const t = c.transactions as TxnBreakdown;
      if (t.checkpointTxns > 0)
        lines.push(
          `  ${c.name.slice(0, 32)}: ${int(t.checkpointTxns)} checkpoint transactions, each holding the lock ${ms(t.checkpointHoldMs)} (${(t.checkpointBusy * 100).toFixed(0)}% of the wall time)`,
        );
    }
  }
  if (result.sharedChain !== null)
    lines.push(
      '',
      `The chain the writers shared: ${int(result.sharedChain.entries)} entries, verified ${result.sharedChain.ok ? 'intact' : 'BROKEN'} in ${result.sharedChain.seconds.toFixed(1)} s`,
    );

  if (result.verify.length > 0) lines.push('', 'Verify (ledger.verify(), in a process of its own)');
  for (const v of result.verify)
    lines.push(
      `  ${v.store === 'server' ? 'server' : 'PGlite'}: ${int(v.entries)} entries, ${int(v.checkpoints)} checkpoints: ${v.seconds.toFixed(1)} s, ${int(v.perSecond)} entries/s, ` +
        `peak RSS ${mb(v.peakRssBytes)} (${mb(v.rssAfterOpenBytes)} after opening the store), peak heap ${mb(v.peakHeapUsedBytes)}; ${v.ok ? 'intact' : `FINDINGS: ${v.findings.join('; ')}`}`,
      `    chain built by ${v.populate.how} in ${v.populate.seconds.toFixed(1)} s`,
    );

  lines.push('', 'Goals');
  for (const g of result.goals)
    lines.push(`  ${g.name}: ${g.measured} (goal ${g.target}: ${g.met ? 'met' : 'MISSED'})`);
  return `${lines.join('\n')}\n`;
}
