import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { interpretSql } from '../../src/connectors/postgres/interpret/index.ts';
import type { Snapshot } from '../../src/core/index.ts';
import { createPglite } from '../support/postgres.ts';

/**
 * Code a statement runs without showing it: functions its query calls when the query runs (a
 * cursor, a copy, a rewrite of every row), and triggers, rules, defaults and checks that run when
 * rows are written. `pub.g()` stands for any function: it could GRANT as its owner.
 */
let db: PGlite;
let snapshot: Snapshot;

beforeAll(async () => {
  db = await createPglite();
  await db.exec(`
    create schema pub;
    create function pub.g() returns int language plpgsql as $$ begin return 1; end $$;
    create function pub.trig() returns trigger language plpgsql as $$ begin return new; end $$;
    create table pub.stats (id int);
    create table pub.events (id int);
    create trigger before_insert before insert on pub.events for each row execute function pub.trig();
    create table pub.defaults (id int default pub.g());
    create table pub.checked (id int check (id > pub.g()));
    create table pub.ruled (id int);
    create rule log as on update to pub.ruled do also select pub.g();
  `);
  snapshot = await readPostgresSnapshot(db, 'test');
}, 60_000);
afterAll(async () => {
  await db.close();
});

async function effects(sql: string) {
  const result = await interpretSql(snapshot, sql, 'postgres');
  if (!result.ok) throw new Error(result.error.message);
  return result.statements.map((s) => (s.effect === 'opaque' ? `opaque: ${s.reason}` : s.effect));
}

describe('code a statement runs without showing it', () => {
  it('reads which relations run code when written to', () => {
    const flagged = snapshot.resources.filter((r) => r.writeRunsCode === true).map((r) => r.name);
    expect(flagged.sort()).toEqual(['pub.checked', 'pub.defaults', 'pub.events', 'pub.ruled']);
  });

  it('makes a query that runs functions opaque, in a cursor, a copy or a rewrite of every row', async () => {
    for (const sql of [
      'declare c cursor with hold for select pub.g()',
      'create table pub.copy as select pub.g()',
      'create materialized view pub.mv as select pub.g()',
      'select pub.g() into pub.copy2',
      'alter table pub.stats add column z int default pub.g()',
    ])
      expect(await effects(sql), sql).toEqual(['opaque: calls pub.g(), which Firebreak cannot analyse']);
    expect(await effects('declare c cursor for select count(*) from pub.stats')).toEqual(['read-only']);
  });

  it('makes a write opaque when the relation runs triggers, rules, defaults or checks', async () => {
    for (const [sql, name] of [
      ['insert into pub.events values (1)', 'pub.events'],
      ['insert into pub.defaults default values', 'pub.defaults'],
      ['update pub.checked set id = 2', 'pub.checked'],
      ['update pub.ruled set id = 2', 'pub.ruled'],
      ['truncate pub.stats, pub.events', 'pub.events'],
      ['with x as (insert into pub.events values (1) returning id) select * from x', 'pub.events'],
      ['copy pub.events from stdin', 'pub.events'],
    ])
      expect(await effects(sql as string), sql).toEqual([
        `opaque: writing to ${name} runs its triggers, rules, defaults or checks, which Firebreak cannot analyse`,
      ]);
    expect(await effects('insert into pub.stats values (1); delete from pub.stats')).toEqual(['edits', 'edits']);
  });

  it('remembers a table created in the change with a default that calls a function', async () => {
    expect(await effects('create table pub.t4 (id int default pub.g()); insert into pub.t4 default values')).toEqual([
      'edits',
      'opaque: writing to pub.t4 runs its triggers, rules, defaults or checks, which Firebreak cannot analyse',
    ]);
  });
});

describe('powers beyond privileges on data', () => {
  let powers: PGlite;
  let system: Snapshot;
  beforeAll(async () => {
    powers = await createPglite();
    await powers.exec(`
      create role alice login; create role bob login; create role admins createrole; create role team;
      grant team to bob;
    `);
    system = await readPostgresSnapshot(powers, 'test');
  }, 60_000);
  afterAll(async () => {
    await powers.close();
  });

  async function gained(sql: string) {
    const result = await interpretSql(system, sql, 'postgres');
    if (!result.ok) throw new Error(result.error.message);
    return result.statements.map((s) => s.powers ?? []);
  }

  it('names each power a statement newly gives to logins, and who gets it', async () => {
    expect(await gained('grant pg_execute_server_program, pg_read_server_files to team')).toEqual([
      [
        'pg_execute_server_program (runs programs on the database server): bob',
        'pg_read_server_files (reads any file on the database server, the data files too): bob',
      ],
    ]);
    expect(await gained('alter role alice replication')).toEqual([['REPLICATION (copies the whole cluster): alice']]);
    expect(await gained('grant admins to alice')).toEqual([
      ['CREATEROLE (creates roles and grants roles it administers): alice'],
    ]);
    expect(await gained('grant team to alice with admin option')).toEqual([
      ['ADMIN OPTION on team (grants it to anyone, itself included): alice'],
    ]);
    expect(await gained('create role carol login createrole in role team')).toEqual([
      ['CREATEROLE (creates roles and grants roles it administers): carol'],
    ]);
  });

  it('names none for what gives no power, or a power the logins had', async () => {
    expect(await gained('grant team to alice; alter role alice createdb; create role dave')).toEqual([[], [], []]);
    expect(await gained('grant admins to bob; grant admins to team')).toEqual([
      ['CREATEROLE (creates roles and grants roles it administers): bob'],
      [],
    ]);
  });
});
