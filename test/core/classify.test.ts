import { describe, expect, it } from 'vitest';
import {
  classify,
  compileGlob,
  detectColumn,
  labelNamesOf,
  labelsInComment,
  type Snapshot,
} from '../../src/core/index.ts';
import { buildSnapshot, table } from '../support/build-snapshot.ts';

function rule(label: string, pattern: string) {
  const glob = compileGlob(pattern);
  if (!glob.ok) throw new Error(glob.error);
  return { label, glob: glob.value };
}

function classified(snapshot: Snapshot, rules = [] as ReturnType<typeof rule>[], detectors = true): Snapshot {
  return classify(snapshot, { rules, detectors });
}

const column = (name: string, comment?: string) => ({
  name,
  labels: [],
  ...(comment === undefined ? {} : { comment }),
});

describe('classification', () => {
  it('detects sensitive columns by name, whatever the case or separator', () => {
    const found = (name: string) => detectColumn(name).map((d) => `${d.name}:${d.label}`);
    expect(found('email')).toEqual(['email:pii']);
    expect(found('billingEmail')).toEqual(['email:pii']);
    expect(found('PHONE_NUMBER')).toEqual(['phone:pii']);
    expect(found('date_of_birth')).toEqual(['birth date:pii']);
    expect(found('ssn')).toEqual(['ssn:pii']);
    expect(found('card_number')).toEqual(['card number:financial']);
    expect(found('password_hash')).toEqual(['password:secret']);
    expect(found('api_key')).toEqual(['secret:secret']);
    expect(found('refresh_token')).toEqual(['secret:secret']);
    expect(found('home-address')).toEqual(['address:pii']);
  });

  it('leaves ordinary columns alone, including words that merely contain a detector word', () => {
    for (const name of ['id', 'created_at', 'token_count', 'emailed_at_count', 'country', 'amount', 'status'])
      expect(detectColumn(name), name).toEqual([]);
  });

  it('reads [firebreak: …] markers in comments, case-insensitively, skipping invalid names', () => {
    expect(labelsInComment('Customer login [firebreak: PII, contact]')).toEqual(['pii', 'contact']);
    expect(labelsInComment('[Firebreak:secret] and [firebreak: Bad Name!, ok]')).toEqual(['secret', 'ok']);
    expect(labelsInComment('no marker here')).toEqual([]);
  });

  it('labels resources and columns from rules, comments and detectors, recording each source', () => {
    const snapshot = classified(
      buildSnapshot({
        resources: [
          table('crm.contacts', {
            columns: [column('id'), column('email'), column('notes', 'free text [firebreak: secret]')],
          }),
          table('hr.review', { comment: 'performance reviews [firebreak: hr]' }),
          table('ops.metrics', { columns: [column('value')] }),
        ],
      }),
      [rule('customer', 'crm.*')],
    );
    const contacts = snapshot.resourceById.get('crm.contacts');
    expect(contacts?.labels).toEqual([{ name: 'customer', source: { kind: 'config', rule: 'crm.*' } }]);
    expect(contacts?.columns.find((c) => c.name === 'email')?.labels).toEqual([
      { name: 'pii', source: { kind: 'detector', detector: 'email', column: 'email' } },
    ]);
    expect(contacts?.columns.find((c) => c.name === 'notes')?.labels).toEqual([
      { name: 'secret', source: { kind: 'comment', resource: 'crm.contacts', column: 'notes' } },
    ]);
    expect(snapshot.resourceById.get('hr.review')?.labels.map((l) => l.name)).toEqual(['hr']);
    expect(labelNamesOf(snapshot.resourceById.get('ops.metrics') as never)).toEqual([]);
  });

  it('can turn detectors off', () => {
    const snapshot = classified(
      buildSnapshot({ resources: [table('crm.c', { columns: [column('email')] })] }),
      [],
      false,
    );
    expect(labelNamesOf(snapshot.resourceById.get('crm.c') as never)).toEqual([]);
  });

  it('passes the labels of a container down to the resources inside it', () => {
    const snapshot = classified(
      buildSnapshot({
        resources: [
          { id: 'hr', kind: 'schema', name: 'hr', path: ['hr'], readable: false, labels: [], columns: [] },
          table('hr.pay', { parent: 'hr' }),
        ],
      }),
      [rule('confidential', 'hr')],
    );
    expect(snapshot.resourceById.get('hr.pay')?.labels).toEqual([
      { name: 'confidential', source: { kind: 'config', rule: 'hr' } },
    ]);
  });

  it('follows lineage through views of views, column by column', () => {
    const snapshot = classified(
      buildSnapshot({
        resources: [
          table('app.users', { columns: [column('id'), column('email')] }),
          table('app.v1', {
            kind: 'view',
            columns: [column('id'), column('email')],
            derivation: { runsAs: 'owner', sources: [{ resource: 'app.users', columns: ['id', 'email'] }] },
          }),
          table('app.v2', {
            kind: 'view',
            columns: [column('email')],
            derivation: { runsAs: 'owner', sources: [{ resource: 'app.v1', columns: ['email'] }] },
          }),
          table('app.ids', {
            kind: 'view',
            columns: [column('id')],
            derivation: { runsAs: 'owner', sources: [{ resource: 'app.users', columns: ['id'] }] },
          }),
        ],
      }),
    );
    expect(snapshot.resourceById.get('app.v2')?.labels).toEqual([
      { name: 'pii', source: { kind: 'lineage', from: 'app.v1', column: 'email' } },
    ]);
    expect(snapshot.resourceById.get('app.v2')?.columns[0]?.labels.map((l) => l.name)).toEqual(['pii']);
    expect(labelNamesOf(snapshot.resourceById.get('app.ids') as never)).toEqual([]);
  });
});
