import type { SqlClient } from './sql-client.ts';

/**
 * The store's schema, one migration per version, PostgreSQL dialect (PGlite runs the same SQL).
 * Migrations only ever add: a released version is never edited. They run under an advisory lock,
 * so processes starting together migrate once.
 */
interface Migration {
  readonly version: number;
  readonly name: string;
  sql(schema: string): string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger, decisions, approvals, fingerprints, incidents',
    sql: (s) => `
      create table ${s}.ledger (
        seq bigint primary key check (seq > 0),
        at timestamptz not null,
        kind text not null,
        hash text not null,
        entry text not null
      );
      create index ledger_kind on ${s}.ledger (kind, seq);
      -- Append-only, as a second line of defence: verify detects what an owner does after
      -- dropping these triggers.
      create function ${s}.ledger_is_append_only() returns trigger language plpgsql as $$
        begin raise exception 'the Firebreak ledger is append-only'; end $$;
      create trigger ledger_no_update before update or delete on ${s}.ledger
        for each row execute function ${s}.ledger_is_append_only();
      create trigger ledger_no_truncate before truncate on ${s}.ledger
        for each statement execute function ${s}.ledger_is_append_only();

      create table ${s}.checkpoints (
        seq bigint primary key,
        at timestamptz not null,
        hash text not null,
        key text not null,
        signature text not null
      );

      create table ${s}.decisions (
        id uuid primary key,
        at timestamptz not null,
        seq bigint not null,
        system text not null,
        actor text not null,
        input_hash text not null,
        decision text not null check (decision in ('allow', 'review', 'deny')),
        record jsonb not null
      );
      create index decisions_at on ${s}.decisions (at desc);

      create table ${s}.approvals (
        id uuid primary key,
        created_at timestamptz not null,
        state text not null check (state in ('pending', 'approved', 'denied', 'expired', 'executed')),
        system text not null,
        change_hash text not null,
        requester text not null,
        expires_at timestamptz not null,
        record jsonb not null
      );
      create index approvals_state on ${s}.approvals (state, created_at desc);

      create table ${s}.fingerprints (
        id bigint generated always as identity primary key,
        system text not null,
        fingerprint text not null,
        at timestamptz not null
      );
      create index fingerprints_system on ${s}.fingerprints (system, id desc);

      create table ${s}.incidents (
        id uuid primary key,
        at timestamptz not null,
        seq bigint not null,
        system text not null,
        record jsonb not null
      );
    `,
  },
  {
    version: 2,
    name: 'API tokens',
    sql: (s) => `
      create table ${s}.tokens (
        id uuid primary key,
        name text not null,
        role text not null check (role in ('admin', 'approver', 'agent', 'viewer')),
        hash text not null unique,
        created_at timestamptz not null,
        revoked_at timestamptz
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the store's schema up to date; refuses a store written by a newer Firebreak. */
export async function migrate(client: SqlClient, schema: string, quoted: string): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`firebreak.migrate.${schema}`]);
    await tx.query(`create schema if not exists ${quoted}`);
    await tx.query(
      `create table if not exists ${quoted}.migrations (version int primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const rows = await tx.query<{ version: number }>(
      `select coalesce(max(version), 0)::int as version from ${quoted}.migrations`,
    );
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION)
      throw new Error(
        `the store's schema is version ${current}, newer than this Firebreak's (${SCHEMA_VERSION}); upgrade Firebreak`,
      );
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      await tx.exec(migration.sql(quoted));
      await tx.query(`insert into ${quoted}.migrations (version, name) values ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
  });
}
