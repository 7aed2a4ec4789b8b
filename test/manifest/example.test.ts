import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifestFile } from '../../src/connectors/manifest/index.ts';
import {
  classify,
  compileGlob,
  computeExposure,
  explainAccess,
  type Resource,
  type Snapshot,
} from '../../src/core/index.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/manifest.yaml', import.meta.url));
let lake: Snapshot;

beforeAll(async () => {
  lake = await readManifestFile(EXAMPLE);
});

const resource = (snapshot: Snapshot, name: string): Resource => {
  const found = snapshot.resources.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no resource ${name}`);
  return found;
};
const readersOf = (snapshot: Snapshot, name: string) =>
  computeExposure(snapshot).resources.find((e) => e.resource.name === name)?.readers;

describe('the example manifest (examples/manifest.yaml) read through the core', () => {
  it('describes the system in its own vocabulary: kind-qualified ids, dotted paths, manifest labels', () => {
    expect(lake.system).toBe('acme-lake');
    expect(lake.source).toBe('manifest');
    expect(lake.readPrivilege).toBe('read');
    const salaries = resource(lake, 'lake.hr.salaries');
    expect(salaries).toMatchObject({
      id: 'dataset:lake.hr.salaries',
      kind: 'dataset',
      path: ['lake', 'hr', 'salaries'],
      parent: 'folder:lake.hr',
      owner: 'data-eng',
      readable: true,
      labels: [{ name: 'financial', source: { kind: 'manifest' } }],
    });
    expect(salaries.columns.find((c) => c.name === 'home_address')?.labels).toEqual([
      { name: 'pii', source: { kind: 'manifest' } },
    ]);
    expect(resource(lake, 'lake').gate).toEqual({ privilege: 'access', checkedAs: 'session' });
    expect(resource(lake, 'lake.hr').gate).toEqual({ privilege: 'traverse', checkedAs: 'acting' });
    expect(resource(lake, 'lake.hr').readable).toBe(false);
  });

  it('reports who reads the salaries: HR in full, analysts two columns, the auditor through a blanket grant', () => {
    expect(readersOf(lake, 'lake.hr.salaries')).toEqual([
      { principal: 'alice', access: 'columns', columns: ['employee_id', 'department'] },
      { principal: 'bob', access: 'full' },
      { principal: 'erin', access: 'full' },
      { principal: 'support-bot', access: 'columns', columns: ['employee_id', 'department'] },
    ]);
  });

  it('reports who reads the customers: analysts filtered by their policy, engineering and the auditor in full', () => {
    expect(readersOf(lake, 'lake.sales.customers')).toEqual([
      { principal: 'alice', access: 'filtered' },
      { principal: 'carol', access: 'full' },
      { principal: 'erin', access: 'full' },
      { principal: 'etl', access: 'full' },
      { principal: 'support-bot', access: 'filtered' },
    ]);
  });

  it('reports the datasets that etl will create in lake.hr as latent exposure to the analysts', () => {
    expect(computeExposure(lake).latent).toEqual([
      {
        grant: {
          creator: 'etl',
          container: 'folder:lake.hr',
          kind: 'dataset',
          principal: 'analysts',
          privilege: 'read',
          grantable: false,
        },
        principals: ['alice', 'support-bot'],
        labelledInContainer: 1,
      },
    ]);
  });

  it('explains that etl reads the customers only by switching to data-eng, which owns the table', () => {
    const explanation = explainAccess(lake, 'etl', resource(lake, 'lake.sales.customers'));
    expect(explanation.access).toBe('full');
    expect(explanation.sessionGates).toEqual([
      {
        resource: 'bucket:lake',
        privilege: 'access',
        checkedAs: 'session',
        holding: {
          kind: 'grant',
          chain: [],
          grant: { principal: 'etl', privilege: 'access', resource: 'bucket:lake', grantable: false },
        },
      },
    ]);
    expect(explanation.paths).toHaveLength(1);
    expect(explanation.paths[0]).toMatchObject({
      acting: 'data-eng',
      actingChain: [{ member: 'etl', group: 'data-eng', inherit: false, set: true, admin: false }],
      gates: [{ resource: 'folder:lake.sales', privilege: 'traverse', holding: { grant: { principal: 'public' } } }],
      rows: { filtered: false, reason: 'owner' },
    });
  });

  it('explains that the auditor sees every row only when acting as auditors, which bypasses row security', () => {
    const explanation = explainAccess(lake, 'erin', resource(lake, 'lake.sales.customers'));
    expect(explanation.paths.map((p) => [p.acting, p.access, p.rows.reason])).toEqual([
      ['auditors', 'full', 'bypass'],
      ['erin', 'filtered', 'policies'],
    ]);
  });

  it('explains that bob cannot read the customers and which groups hold the read privilege', () => {
    const explanation = explainAccess(lake, 'bob', resource(lake, 'lake.sales.customers'));
    expect(explanation.access).toBe('none');
    expect(explanation.missing).toEqual([
      {
        kind: 'privilege',
        acting: ['bob'],
        resource: 'table:lake.sales.customers',
        privilege: 'read',
        grantees: ['analysts', 'auditors', 'data-eng'],
      },
    ]);
  });

  it('explains that a member of hr who cannot log in reads nothing', () => {
    expect(explainAccess(lake, 'dave', resource(lake, 'lake.hr.salaries')).missing).toEqual([
      { kind: 'not-login', principal: 'dave' },
    ]);
  });

  it('classifies by dotted names and carries labels from the customers to the view over them', () => {
    const glob = compileGlob('lake.hr.**');
    if (!glob.ok) throw new Error(glob.error);
    const classified = classify(lake, { rules: [{ label: 'hr', glob: glob.value }], detectors: false });
    expect(resource(classified, 'lake.hr.salaries').labels.map((l) => l.name)).toEqual(['financial', 'hr']);
    const contacts = resource(classified, 'lake.sales.customer_contacts');
    expect(contacts.columns.find((c) => c.name === 'email')?.labels).toEqual([
      { name: 'pii', source: { kind: 'lineage', from: 'table:lake.sales.customers', column: 'email' } },
    ]);
    expect(readersOf(classified, 'lake.sales.customer_contacts')).toEqual([
      { principal: 'support-bot', access: 'full' },
    ]);
  });
});
