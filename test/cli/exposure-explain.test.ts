import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase, uniquePrefix } from '../support/postgres.ts';

const prefix = uniquePrefix('fbc');
let database: TestDatabase;
const r = (name: string) => `${prefix}${name}`;

beforeAll(async () => {
  database = await createTestDatabase(`${prefix}db`);
  await database.client.query(`
    create role ${r('alice')} login; create role ${r('bob')} login; create role ${r('analysts')};
    grant ${r('analysts')} to ${r('alice')};
    create schema hr; grant usage on schema hr to ${r('analysts')};
    create table hr.emp (id int, name text, email text, salary int);
    grant select on hr.emp to ${r('analysts')};
    create table hr.depts (id int, title text);
    comment on table hr.depts is 'Org chart [firebreak: internal]';
  `);
});
afterAll(async () => {
  await database.drop([prefix]);
});

describe('firebreak exposure', () => {
  it('prints the documented JSON: each labelled resource with its readers and their access', async () => {
    const result = await cli(['exposure', '--db', database.url, '--label', 'hr=hr.emp', '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.system).toBe(database.name);
    const emp = report.resources.find((x: { resource: string }) => x.resource === 'hr.emp');
    expect(emp).toMatchObject({ resource: 'hr.emp', kind: 'table', labels: ['financial', 'hr', 'pii'] });
    expect(emp.readers.filter((x: { principal: string }) => x.principal.startsWith(prefix))).toEqual([
      { principal: r('alice'), access: 'full' },
    ]);
    expect(emp.readers).toContainEqual({ principal: 'postgres', access: 'full' });
    const depts = report.resources.find((x: { resource: string }) => x.resource === 'hr.depts');
    expect(depts.labels).toEqual(['internal']);
  });

  it('prints a table with the blast radius of each resource', async () => {
    const result = await cli(['exposure', '--db', database.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^RESOURCE\s+KIND\s+LABELS\s+READERS/m);
    // Counts include every superuser of the shared test cluster, so only the shape is fixed here.
    expect(result.stdout).toMatch(/^hr\.emp\s+table\s+financial,pii\s+(\d+)\s+\1\s+0\s+0\s/m);
    expect(result.stdout).toMatch(/^hr\.depts\s+table\s+internal\s/m);
  });
});

describe('firebreak explain', () => {
  it('shows the membership chain, the grant and the schema USAGE of a path', async () => {
    const result = await cli(['explain', r('alice'), 'hr.emp', '--db', database.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${r('alice')} CAN read hr.emp (table · financial · pii): full.`);
    expect(result.stdout).toContain(
      `GRANT SELECT ON hr.emp TO ${r('analysts')} — via ${r('alice')} → ${r('analysts')}`,
    );
    expect(result.stdout).toContain(`USAGE on schema hr: GRANT USAGE ON SCHEMA hr TO ${r('analysts')}`);
    expect(result.stdout).toContain(`CONNECT on database ${database.name} (checked at login)`);
    expect(result.stdout).toContain(`The grants of path 1 also apply after SET ROLE to ${r('analysts')}.`);
  });

  it('names the missing link when there is no access, in text and JSON', async () => {
    const text = await cli(['explain', r('bob'), 'HR.EMP', '--db', database.url]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${r('bob')} CANNOT read hr.emp`);
    expect(text.stdout).toContain(`holds SELECT on hr.emp (granted to: ${r('analysts')}, pg_read_all_data, postgres)`);
    const json = JSON.parse(
      (await cli(['explain', r('bob'), 'hr.emp', '--db', database.url, '--format', 'json'])).stdout,
    );
    expect(json).toMatchObject({ principal: r('bob'), resource: 'hr.emp', access: 'none', paths: [] });
    expect(json.missingLinks[0]).toMatchObject({ kind: 'privilege', privilege: 'SELECT' });
  });

  it('refuses unknown principals and resources, suggesting near names', async () => {
    const principal = await cli(['explain', 'nobody_at_all', 'hr.emp', '--db', database.url]);
    expect(principal.code).toBe(2);
    expect(principal.stderr).toBe('firebreak explain: no principal named "nobody_at_all"\n');
    const resource = await cli(['explain', r('alice'), 'hr.em', '--db', database.url]);
    expect(resource.code).toBe(2);
    expect(resource.stderr).toMatch(/no resource named "hr.em" \(did you mean hr\.emp/);
  });
});
