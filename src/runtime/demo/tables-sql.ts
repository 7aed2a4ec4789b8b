import { OWNER_ROLES } from './company.ts';
import { ident, literal, qualified } from './sql-text.ts';

/** Schemas of the demo warehouse and the role that owns each. */
export const DEMO_SCHEMAS = {
  identity: OWNER_ROLES.app,
  payments: OWNER_ROLES.app,
  support: OWNER_ROLES.app,
  hr: OWNER_ROLES.hr,
  metrics: OWNER_ROLES.etl,
} as const;
export type DemoSchema = keyof typeof DEMO_SCHEMAS;

type Value = string | number | boolean | null;

export interface TableSpec {
  readonly schema: DemoSchema;
  readonly name: string;
  /** `name type, name type…` as in CREATE TABLE; names get quoted. */
  readonly columns: string;
  readonly comment?: string;
  readonly columnComments?: Readonly<Record<string, string>>;
  readonly rows?: readonly (readonly Value[])[];
}

/**
 * Every table. Labels come from column names the detectors know (email, full_name, ip_address…)
 * and, where a name says nothing, from `[firebreak: …]` markers in comments.
 */
export const TABLES: readonly TableSpec[] = [
  {
    schema: 'identity',
    name: 'users',
    columns:
      'id bigint primary key, email text not null, full_name text, country char(2), password_hash text, created_at timestamptz',
    comment: 'One row per Tidewell customer account',
    rows: [
      [1, 'amelia.hart@example.com', 'Amelia Hart', 'GB', '$argon2id$v=19$demo', '2023-04-02T09:12:00Z'],
      [2, 'kofi.boateng@example.net', 'Kofi Boateng', 'GH', '$argon2id$v=19$demo', '2023-06-19T17:40:00Z'],
      [3, 'lucia.ferrer@example.org', 'Lucía Ferrer', 'ES', '$argon2id$v=19$demo', '2024-01-08T08:03:00Z'],
    ],
  },
  {
    schema: 'identity',
    name: 'addresses',
    columns: 'id bigint primary key, user_id bigint, street_address text, city text, postal_code text, country char(2)',
  },
  {
    schema: 'identity',
    name: 'identity_documents',
    columns:
      'id bigint primary key, user_id bigint, document_type text, document_number text, date_of_birth date, issuing_country char(2), verified_at timestamptz',
    comment: 'Passports and ID cards collected for KYC',
    columnComments: { document_number: 'Number printed on the document [firebreak: pii]' },
  },
  {
    schema: 'identity',
    name: 'sessions',
    columns:
      'id bigint primary key, user_id bigint, ip_address inet, user_agent text, session_token text, started_at timestamptz, expires_at timestamptz',
  },
  {
    schema: 'identity',
    name: 'devices',
    columns:
      'id bigint primary key, user_id bigint, device_model text, push_token text, last_ip inet, last_seen_at timestamptz',
  },
  {
    schema: 'payments',
    name: 'cards',
    columns:
      'id bigint primary key, user_id bigint, cardholder text, card_number text, last4 char(4), expiry_month smallint, expiry_year smallint, billing_postcode text',
    comment: 'Stored payment cards (card_number holds the vault token)',
    columnComments: { cardholder: 'Name as printed on the card [firebreak: pii]' },
  },
  {
    schema: 'payments',
    name: 'invoices',
    columns:
      'id bigint primary key, user_id bigint, billing_email text, amount_cents bigint, currency char(3), issued_at timestamptz, paid_at timestamptz',
  },
  {
    schema: 'payments',
    name: 'payouts',
    columns:
      'id bigint primary key, merchant_id bigint, payee_full_name text, bank_account_number text, routing_number text, amount_cents bigint, paid_out_at timestamptz',
  },
  {
    schema: 'payments',
    name: 'transactions',
    columns:
      'id bigint primary key, user_id bigint, amount_cents bigint, currency char(3), status text, created_at timestamptz',
  },
  {
    schema: 'payments',
    name: 'exchange_rates',
    columns: 'day date, currency char(3), rate numeric(12,6)',
  },
  {
    schema: 'support',
    name: 'tickets',
    columns:
      'id bigint primary key, customer_email text, assigned_team text not null, subject text, status text, priority smallint, created_at timestamptz',
    comment: 'Customer support tickets; each support team sees its own queue',
    rows: [
      [101, 'amelia.hart@example.com', 'support_tier1', 'Cannot log in', 'open', 2, '2024-05-02T10:00:00Z'],
      [102, 'kofi.boateng@example.net', 'support_billing', 'Charged twice', 'open', 1, '2024-05-02T11:30:00Z'],
      [103, 'lucia.ferrer@example.org', 'support_tier2', 'Payout missing', 'pending', 1, '2024-05-03T08:15:00Z'],
    ],
  },
  {
    schema: 'support',
    name: 'call_logs',
    columns:
      'id bigint primary key, ticket_id bigint, caller_phone text, duration_seconds integer, recording_url text, called_at timestamptz',
  },
  {
    schema: 'support',
    name: 'macros',
    columns: 'id bigint primary key, title text, body text',
    comment: 'Canned replies',
  },
  {
    schema: 'hr',
    name: 'employees',
    columns:
      'id bigint primary key, full_name text, personal_email text, date_of_birth date, home_address text, department text, manager_id bigint, started_on date',
  },
  {
    schema: 'hr',
    name: 'compensation',
    columns: 'employee_id bigint, salary numeric(12,2), bonus numeric(12,2), currency char(3), effective_from date',
    comment: 'Pay of each employee over time [firebreak: pii]',
  },
  {
    schema: 'hr',
    name: 'performance_reviews',
    columns:
      'id bigint primary key, employee_id bigint, reviewer_id bigint, period text, rating smallint, summary text',
    comment: 'Written reviews of named employees [firebreak: pii]',
  },
  {
    schema: 'hr',
    name: 'emergency_contacts',
    columns: 'id bigint primary key, employee_id bigint, contact_full_name text, relationship text, phone text',
  },
  {
    schema: 'hr',
    name: 'departments',
    columns: 'id bigint primary key, title text, cost_center text',
  },
  {
    schema: 'metrics',
    name: 'daily_active_users',
    columns: 'day date, platform text, active_accounts integer',
    rows: [
      ['2024-05-01', 'ios', 412_310],
      ['2024-05-01', 'android', 388_902],
      ['2024-05-01', 'web', 201_477],
    ],
  },
  {
    schema: 'metrics',
    name: 'signups_by_country',
    columns: 'day date, country char(2), signups integer',
    rows: [
      ['2024-05-01', 'GB', 1_204],
      ['2024-05-01', 'ES', 655],
    ],
  },
  {
    schema: 'metrics',
    name: 'api_latency',
    columns: 'day date, service_name text, p50_ms integer, p95_ms integer, p99_ms integer',
  },
  {
    schema: 'metrics',
    name: 'revenue_daily',
    columns: 'day date, currency char(3), gross_cents bigint, net_cents bigint',
  },
  {
    schema: 'metrics',
    name: 'feature_adoption',
    columns: 'day date, feature_name text, active_accounts integer',
  },
  {
    schema: 'metrics',
    name: 'support_volume',
    columns: 'day date, queue text, tickets_opened integer, tickets_closed integer',
  },
];

/**
 * The 14 tables that hold personal data, by design: labelled pii, readable by the teams that need
 * them, and by no ordinary engineer.
 */
export const PII_TABLES: readonly string[] = [
  'identity.users',
  'identity.addresses',
  'identity.identity_documents',
  'identity.sessions',
  'identity.devices',
  'payments.cards',
  'payments.invoices',
  'payments.payouts',
  'support.tickets',
  'support.call_logs',
  'hr.employees',
  'hr.compensation',
  'hr.performance_reviews',
  'hr.emergency_contacts',
];

/** Aggregates every engineer may read; no column carries a label. */
export const METRICS_TABLES: readonly string[] = TABLES.filter((t) => t.schema === 'metrics').map(
  (t) => `${t.schema}.${t.name}`,
);

/** `[name, type]` pairs of a table's column list. */
export function columnsOf(table: TableSpec): [string, string][] {
  return table.columns.split(/,(?![^(]*\))/).map((column) => {
    const [name = '', ...type] = column.trim().split(/\s+/);
    return [name, type.join(' ')];
  });
}

function tableSql(table: TableSpec): string[] {
  const name = qualified(table.schema, table.name);
  const columns = columnsOf(table)
    .map(([column, type]) => `${ident(column)} ${type}`)
    .join(', ');
  const statements = [`CREATE TABLE ${name} (${columns})`];
  if (table.comment !== undefined) statements.push(`COMMENT ON TABLE ${name} IS ${literal(table.comment)}`);
  for (const [column, comment] of Object.entries(table.columnComments ?? {}))
    statements.push(`COMMENT ON COLUMN ${name}.${ident(column)} IS ${literal(comment)}`);
  if (table.rows !== undefined && table.rows.length > 0) {
    const names = columnsOf(table)
      .map(([column]) => ident(column))
      .join(', ');
    const values = table.rows.map((row) => `(${row.map(literal).join(', ')})`).join(', ');
    statements.push(`INSERT INTO ${name} (${names}) VALUES ${values}`);
  }
  return statements;
}

/** Creates the tables of one schema as the schema's owner, so ownership and default privileges apply. */
export function schemaTablesSql(schema: DemoSchema): string[] {
  return [
    `SET ROLE ${ident(DEMO_SCHEMAS[schema])}`,
    ...TABLES.filter((t) => t.schema === schema).flatMap(tableSql),
    'RESET ROLE',
  ];
}
