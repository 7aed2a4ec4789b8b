import { GROUPS, OWNER_ROLES, SERVICE_ACCOUNTS } from './company.ts';
import { ident, idents, literal, qualified } from './sql-text.ts';
import { DEMO_SCHEMAS, type DemoSchema } from './tables-sql.ts';

/** The security-definer view that shows customer emails to support. */
export const CUSTOMER_LOOKUP_VIEW = 'support.customer_lookup';
/** The SECURITY DEFINER function anyone may execute; it reads `identity.users` as its owner. */
export const PUBLIC_DEFINER_FUNCTION = 'public.find_user_by_email';
/** A SECURITY DEFINER function done carefully: EXECUTE only for support leads. */
export const LEADS_DEFINER_FUNCTION = 'support.reassign_ticket';

const SCHEMA_COMMENTS: Readonly<Record<DemoSchema, string>> = {
  identity: 'Customer accounts and identity data',
  payments: 'Cards, invoices, payouts and the ledger of transactions',
  support: 'Customer support tickets and calls',
  hr: 'Employees, pay and reviews',
  metrics: 'Aggregated product and business metrics',
};

const t = (schema: DemoSchema, ...names: string[]) => names.map((name) => qualified(schema, name)).join(', ');
const asRole = (role: string, statements: readonly string[]) => [
  `SET ROLE ${ident(role)}`,
  ...statements,
  'RESET ROLE',
];

/**
 * What a careful DBA does first: no temporary tables for PUBLIC, no CREATE in `public`, and
 * functions of the owner roles not executable by PUBLIC unless granted. The database is named at
 * run time, hence the DO block. See https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATTERNS.
 */
export function hardeningSql(marker: string): string[] {
  return [
    `DO $$ BEGIN
      EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
      EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), ${literal(marker)});
    END $$`,
    `REVOKE CREATE ON SCHEMA ${ident('public')} FROM PUBLIC`,
  ];
}

/** Schemas, each owned by its owner role, plus the owners' default privileges for functions. */
export function schemasSql(): string[] {
  return [
    ...Object.entries(DEMO_SCHEMAS).flatMap(([schema, owner]) => [
      `CREATE SCHEMA ${ident(schema)} AUTHORIZATION ${ident(owner)}`,
      `COMMENT ON SCHEMA ${ident(schema)} IS ${literal(SCHEMA_COMMENTS[schema as DemoSchema])}`,
    ]),
    ...Object.values(OWNER_ROLES).map(
      (owner) => `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner)} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`,
    ),
    // How engineering reads metrics: every table the ETL creates there is granted on creation.
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(OWNER_ROLES.etl)} IN SCHEMA ${ident('metrics')}
      GRANT SELECT ON TABLES TO ${ident(GROUPS.engineering)}`,
  ];
}

/**
 * Objects that read other objects with their owner's rights: the support lookup view, row-level
 * security on tickets, and two SECURITY DEFINER functions (one careful, one open to PUBLIC).
 */
export function derivedObjectsSql(): string[] {
  const tickets = qualified('support', 'tickets');
  const teamQueue = `pg_catalog.pg_has_role(CURRENT_USER, ${ident('assigned_team')}, 'MEMBER')`;
  return [
    ...asRole(OWNER_ROLES.app, [
      // A plain view runs with its owner's rights: support reads emails without any grant on identity.
      `CREATE VIEW ${qualified('support', 'customer_lookup')} AS
        SELECT u.${ident('id')}, u.${ident('email')}, u.${ident('full_name')}, u.${ident('country')}
        FROM ${qualified('identity', 'users')} AS u`,
      `COMMENT ON VIEW ${qualified('support', 'customer_lookup')} IS 'Find a customer by email while answering a ticket'`,
      `ALTER TABLE ${tickets} ENABLE ROW LEVEL SECURITY`,
      `CREATE POLICY ${ident('tickets_of_assigned_team')} ON ${tickets} FOR SELECT TO ${ident(GROUPS.support)}
        USING (${teamQueue})`,
      `CREATE POLICY ${ident('tickets_update_assigned_team')} ON ${tickets} FOR UPDATE TO ${ident(GROUPS.support)}
        USING (${teamQueue})`,
      `CREATE POLICY ${ident('tickets_for_leads')} ON ${tickets} FOR SELECT TO ${ident(GROUPS.supportLeads)}
        USING (true)`,
      `CREATE FUNCTION ${qualified('support', 'reassign_ticket')}(${ident('ticket')} bigint, ${ident('team')} text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
          UPDATE ${tickets} SET ${ident('assigned_team')} = team WHERE ${ident('id')} = ticket;
        END $$`,
      `GRANT EXECUTE ON FUNCTION ${qualified('support', 'reassign_ticket')}(bigint, text) TO ${ident(GROUPS.supportLeads)}`,
    ]),
    // Created by the superuser in `public`, where PUBLIC keeps USAGE and functions keep their
    // default EXECUTE for PUBLIC: anyone who can log in can look up any customer.
    `CREATE FUNCTION ${qualified('public', 'find_user_by_email')}(${ident('lookup_email')} text)
      RETURNS TABLE (${ident('id')} bigint, ${ident('email')} text, ${ident('full_name')} text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT u.id, u.email, u.full_name FROM identity.users AS u WHERE u.email = lookup_email
      $$`,
    `ALTER FUNCTION ${qualified('public', 'find_user_by_email')}(text) OWNER TO ${ident(OWNER_ROLES.app)}`,
    `COMMENT ON FUNCTION ${qualified('public', 'find_user_by_email')}(text) IS 'Debugging helper pasted from a forum answer'`,
  ];
}

/** Schema USAGE and table, column and view grants for each group and service account. */
export function grantsSql(): string[] {
  const { api, billing, supportPortal, hrisSync } = SERVICE_ACCOUNTS;
  const all = (schema: DemoSchema) => `ALL TABLES IN SCHEMA ${ident(schema)}`;
  return [
    `GRANT USAGE ON SCHEMA ${ident('identity')} TO ${idents([api, GROUPS.piiReaders, GROUPS.security, GROUPS.analysts])}`,
    `GRANT USAGE ON SCHEMA ${ident('payments')} TO ${idents([api, billing, GROUPS.finance, GROUPS.analysts])}`,
    `GRANT USAGE ON SCHEMA ${ident('support')} TO ${idents([GROUPS.support, supportPortal])}`,
    `GRANT USAGE ON SCHEMA ${ident('hr')} TO ${idents([GROUPS.hr, hrisSync])}`,
    `GRANT USAGE ON SCHEMA ${ident('metrics')} TO ${idents([GROUPS.engineering, GROUPS.data, GROUPS.finance])}`,

    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${all('identity')} TO ${ident(api)}`,
    `GRANT SELECT ON ${t('identity', 'users', 'addresses', 'identity_documents')} TO ${ident(GROUPS.piiReaders)}`,
    `GRANT SELECT ON ${t('identity', 'sessions', 'devices')} TO ${ident(GROUPS.security)}`,
    // Analysts count customers by country but may not see who they are.
    `GRANT SELECT (${idents(['id', 'country', 'created_at'])}) ON ${t('identity', 'users')} TO ${ident(GROUPS.analysts)}`,

    `GRANT SELECT, INSERT, UPDATE ON ${all('payments')} TO ${idents([api, billing])}`,
    `GRANT SELECT ON ${t('payments', 'invoices', 'payouts', 'transactions', 'exchange_rates')} TO ${ident(GROUPS.finance)}`,
    `GRANT SELECT ON ${t('payments', 'transactions', 'exchange_rates')} TO ${ident(GROUPS.analysts)}`,

    `GRANT SELECT ON ${t('support', 'tickets', 'call_logs', 'macros', 'customer_lookup')} TO ${ident(GROUPS.support)}`,
    `GRANT UPDATE (${idents(['status', 'assigned_team'])}) ON ${t('support', 'tickets')} TO ${ident(GROUPS.support)}`,
    `GRANT SELECT, INSERT, UPDATE ON ${t('support', 'tickets', 'call_logs', 'macros')} TO ${ident(supportPortal)}`,

    `GRANT SELECT ON ${all('hr')} TO ${ident(GROUPS.hr)}`,
    `GRANT SELECT, INSERT, UPDATE ON ${all('hr')} TO ${ident(hrisSync)}`,

    `GRANT SELECT ON ${all('metrics')} TO ${idents([GROUPS.data, GROUPS.finance])}`,
  ];
}

/**
 * The risky default privilege: someone wanted finance dashboards to "just work" for new payment
 * tables. Nothing is exposed today, but the next table `app_owner` creates in `payments` will be
 * readable by everyone with USAGE there, the AI agent included.
 */
export function latentRiskSql(): string[] {
  return [
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(OWNER_ROLES.app)} IN SCHEMA ${ident('payments')}
      GRANT SELECT ON TABLES TO PUBLIC`,
  ];
}
