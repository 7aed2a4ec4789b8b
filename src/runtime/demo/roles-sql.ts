import {
  AI_AGENT,
  type DemoCompany,
  ENGINEERING_TEAMS,
  GROUPS,
  OWNER_ROLES,
  type Person,
  SERVICE_ACCOUNTS,
  SUPPORT_TEAMS,
  type Team,
} from './company.ts';
import { ident, idents, literal } from './sql-text.ts';

const createGroup = (name: string, parents: readonly string[] = []) =>
  `CREATE ROLE ${ident(name)} NOLOGIN${parents.length > 0 ? ` IN ROLE ${idents(parents)}` : ''}`;

const createLogin = (name: string, groups: readonly string[], attributes = '') =>
  `CREATE ROLE ${ident(name)} LOGIN${attributes}${groups.length > 0 ? ` IN ROLE ${idents(groups)}` : ''}`;

const commentOnRole = (name: string, text: string) => `COMMENT ON ROLE ${ident(name)} IS ${literal(text)}`;

const teamRoles = (teams: readonly Team[]) => teams.map((team) => createGroup(team.name, [team.parent]));
const people = (persons: readonly Person[]) => persons.map((person) => createLogin(person.login, person.groups));

/**
 * Roles and memberships: owners, department groups, teams, people, service accounts, the AI
 * agent and the DBA. Groups are created before their members (`IN ROLE` needs them to exist).
 */
export function rolesSql(company: DemoCompany): string[] {
  const departments = company.departments;
  return [
    createGroup(OWNER_ROLES.app),
    commentOnRole(OWNER_ROLES.app, 'Owns the customer-facing schemas (identity, payments, support)'),
    createGroup(OWNER_ROLES.hr),
    commentOnRole(OWNER_ROLES.hr, 'Owns the hr schema'),
    createGroup(OWNER_ROLES.etl),
    commentOnRole(OWNER_ROLES.etl, 'Owns the metrics schema; the ETL pipeline creates its tables'),

    createGroup(GROUPS.engineering),
    createGroup(GROUPS.infrastructure, [GROUPS.engineering]),
    createGroup(GROUPS.architectureGuild, [GROUPS.engineering]),
    ...teamRoles(ENGINEERING_TEAMS),
    createGroup(GROUPS.data),
    createGroup(GROUPS.analysts, [GROUPS.data]),
    createGroup(GROUPS.dataPlatform, [GROUPS.data]),
    createGroup(GROUPS.finance),
    createGroup(GROUPS.support),
    createGroup(GROUPS.supportLeads, [GROUPS.support]),
    ...teamRoles(SUPPORT_TEAMS),
    createGroup(GROUPS.hr),
    createGroup(GROUPS.security),
    createGroup(GROUPS.piiReaders),
    commentOnRole(GROUPS.piiReaders, 'May read customer identity data; KYC and break-glass investigations'),

    // Predefined roles: https://www.postgresql.org/docs/current/predefined-roles.html
    `GRANT ${ident('pg_read_all_data')} TO ${ident(GROUPS.dataPlatform)}`,
    commentOnRole(GROUPS.dataPlatform, 'Runs the warehouse pipelines; member of pg_read_all_data'),
    `GRANT ${ident('pg_read_all_stats')} TO ${ident(GROUPS.security)}`,

    ...people(company.engineers),
    ...people(company.supportAgents),
    ...Object.values(departments).flatMap(people),
    createLogin(company.dba, [], ' SUPERUSER'),
    commentOnRole(company.dba, 'Database administrator'),
    // Break-glass: may switch to pii_readers for an investigation, but does not hold it by default.
    `GRANT ${ident(GROUPS.piiReaders)} TO ${ident(company.breakGlass)} WITH INHERIT FALSE, SET TRUE`,

    createLogin(SERVICE_ACCOUNTS.api, []),
    commentOnRole(SERVICE_ACCOUNTS.api, 'Customer API backend'),
    createLogin(SERVICE_ACCOUNTS.billing, []),
    commentOnRole(SERVICE_ACCOUNTS.billing, 'Billing and payouts service'),
    createLogin(SERVICE_ACCOUNTS.kyc, [GROUPS.piiReaders]),
    commentOnRole(SERVICE_ACCOUNTS.kyc, 'Identity verification (KYC) service'),
    createLogin(SERVICE_ACCOUNTS.etl, [GROUPS.dataPlatform, OWNER_ROLES.etl]),
    commentOnRole(SERVICE_ACCOUNTS.etl, 'Nightly ETL into the metrics schema'),
    createLogin(SERVICE_ACCOUNTS.supportPortal, [], ' BYPASSRLS'),
    commentOnRole(SERVICE_ACCOUNTS.supportPortal, 'Support portal backend; sees every ticket'),
    createLogin(SERVICE_ACCOUNTS.hrisSync, []),
    commentOnRole(SERVICE_ACCOUNTS.hrisSync, 'Syncs the HR information system'),
    createLogin(SERVICE_ACCOUNTS.migrations, [OWNER_ROLES.app, OWNER_ROLES.hr, OWNER_ROLES.etl]),
    commentOnRole(SERVICE_ACCOUNTS.migrations, 'Runs schema migrations as the owner roles'),
    createLogin(AI_AGENT, [GROUPS.analysts]),
    commentOnRole(AI_AGENT, 'AI coding agent; answers data questions with the analysts role'),
  ];
}
