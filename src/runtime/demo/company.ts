/**
 * Tidewell, the fictional consumer-payments company of the demo warehouse: its departments, teams
 * and people. Everything here is computed from fixed lists and a fixed seed, so every build of the
 * demo has the same roles with the same names.
 */

export const COMPANY_NAME = 'Tidewell';

/** Group roles (NOLOGIN) that organise people. */
export const GROUPS = {
  engineering: 'engineering',
  infrastructure: 'infrastructure',
  architectureGuild: 'guild_architecture',
  data: 'data',
  analysts: 'analysts',
  dataPlatform: 'data_platform',
  finance: 'finance',
  support: 'support',
  supportLeads: 'support_leads',
  hr: 'hr',
  security: 'security',
  piiReaders: 'pii_readers',
} as const;

/** Roles that own the schemas and tables; nobody logs in as them. */
export const OWNER_ROLES = { app: 'app_owner', hr: 'hr_app', etl: 'etl_owner' } as const;

/** Login roles of applications and pipelines. */
export const SERVICE_ACCOUNTS = {
  api: 'svc_api',
  billing: 'svc_billing',
  kyc: 'svc_kyc',
  etl: 'svc_etl',
  supportPortal: 'svc_support_portal',
  hrisSync: 'svc_hris_sync',
  migrations: 'svc_migrations',
} as const;

/** The login role an AI coding agent uses. */
export const AI_AGENT = 'ai_agent';

export interface Team {
  readonly name: string;
  readonly size: number;
  /** The group the team role belongs to. */
  readonly parent: string;
}

const engineeringTeam = (name: string, size: number, parent: string = GROUPS.engineering): Team => ({
  name: `team_${name}`,
  size,
  parent,
});

/** Engineering teams; infrastructure teams sit one level deeper, under `infrastructure`. */
export const ENGINEERING_TEAMS: readonly Team[] = [
  engineeringTeam('checkout', 64),
  engineeringTeam('payments_core', 71),
  engineeringTeam('payouts', 48),
  engineeringTeam('fraud', 55),
  engineeringTeam('identity', 62),
  engineeringTeam('onboarding', 47),
  engineeringTeam('growth', 58),
  engineeringTeam('notifications', 44),
  engineeringTeam('search', 52),
  engineeringTeam('ios', 83),
  engineeringTeam('android', 79),
  engineeringTeam('web_frontend', 96),
  engineeringTeam('design_systems', 31),
  engineeringTeam('api_platform', 67),
  engineeringTeam('developer_experience', 42),
  engineeringTeam('build_and_release', 36),
  engineeringTeam('security_engineering', 41),
  engineeringTeam('data_engineering', 73),
  engineeringTeam('ml_platform', 46),
  engineeringTeam('recommendations', 39),
  engineeringTeam('risk_models', 33),
  engineeringTeam('ledger', 45),
  engineeringTeam('billing', 57),
  engineeringTeam('support_tools', 34),
  engineeringTeam('internal_tools', 41),
  engineeringTeam('localization', 22),
  engineeringTeam('accessibility', 17),
  engineeringTeam('marketplace', 69),
  engineeringTeam('merchant_dashboard', 61),
  engineeringTeam('partner_integrations', 43),
  engineeringTeam('compliance_engineering', 27),
  engineeringTeam('qa_automation', 49),
  engineeringTeam('performance', 24),
  engineeringTeam('cost_engineering', 19),
  engineeringTeam('platform_services', 80),
  engineeringTeam('ai_products', 58),
  engineeringTeam('trust_and_safety', 47),
  engineeringTeam('mobile_platform', 40),
  engineeringTeam('sre', 54, GROUPS.infrastructure),
  engineeringTeam('dbre', 18, GROUPS.infrastructure),
  engineeringTeam('networking', 29, GROUPS.infrastructure),
  engineeringTeam('observability', 38, GROUPS.infrastructure),
  engineeringTeam('edge', 26, GROUPS.infrastructure),
  engineeringTeam('compute', 48, GROUPS.infrastructure),
];

/** Distinct login roles that are members of `engineering`, all through their teams. */
export const ENGINEERING_LOGIN_COUNT = 2113;
/** Staff engineers who also belong to the architecture guild (on top of their team). */
export const ARCHITECTURE_GUILD_SIZE = 15;

/** Support teams; row-level security shows each agent only the tickets assigned to their team. */
export const SUPPORT_TEAMS: readonly Team[] = [
  { name: 'support_tier1', size: 28, parent: GROUPS.support },
  { name: 'support_tier2', size: 16, parent: GROUPS.support },
  { name: 'support_billing', size: 12, parent: GROUPS.support },
];

/** People outside engineering and support, by the group they belong to. */
export const DEPARTMENT_SIZES = {
  [GROUPS.supportLeads]: 4,
  [GROUPS.analysts]: 24,
  [GROUPS.dataPlatform]: 6,
  [GROUPS.finance]: 18,
  [GROUPS.hr]: 9,
  [GROUPS.security]: 7,
} as const;

export interface Person {
  readonly login: string;
  /** Group roles the person is a direct member of, with inheritance. */
  readonly groups: readonly string[];
}

export interface DemoCompany {
  readonly engineers: readonly Person[];
  readonly supportAgents: readonly Person[];
  /** Everyone else by group: support leads, analysts, data platform, finance, hr, security. */
  readonly departments: Readonly<Record<keyof typeof DEPARTMENT_SIZES, readonly Person[]>>;
  /** The superuser DBA. */
  readonly dba: string;
  /** A security engineer who may `SET ROLE pii_readers` (break-glass) but does not inherit it. */
  readonly breakGlass: string;
}

// biome-ignore format: a name list reads best packed
const FIRST_NAMES = [
  'amara', 'liam', 'sofia', 'kenji', 'priya', 'mateo', 'ingrid', 'tariq', 'chloe', 'dmitri', 'aisha', 'lucas',
  'mei', 'oscar', 'fatima', 'jonas', 'elena', 'rahul', 'nora', 'diego', 'yara', 'felix', 'zara', 'hugo',
  'leila', 'samuel', 'ana', 'viktor', 'keiko', 'omar', 'julia', 'marcus', 'hana', 'pablo', 'sara', 'andre',
  'isla', 'emeka', 'clara', 'ravi', 'maya', 'tomas', 'lina', 'kwame', 'ruth', 'arjun', 'noor', 'erik',
  'beatriz', 'chen', 'olga', 'idris', 'grace', 'luca', 'selin', 'daniel', 'aiko', 'farah', 'jakob', 'nadia',
  'theo', 'wanjiru', 'paulo', 'esme',
] as const;

// biome-ignore format: a name list reads best packed
const LAST_NAMES = [
  'okafor', 'nguyen', 'garcia', 'tanaka', 'sharma', 'rossi', 'berg', 'haddad', 'dubois', 'ivanov', 'mensah',
  'silva', 'wang', 'larsen', 'khan', 'novak', 'costa', 'patel', 'fischer', 'moreau', 'kowalski', 'ali',
  'yamamoto', 'santos', 'eriksen', 'mbeki', 'oconnor', 'schmidt', 'lopez', 'kim', 'adeyemi', 'petrov',
  'bianchi', 'hansen', 'reyes', 'chowdhury', 'weber', 'nakamura', 'diallo', 'martins', 'lindqvist', 'farouk',
  'osei', 'brennan', 'castillo', 'zhou', 'horvat', 'abara',
] as const;

const SEED = 0x7e1d_e11;

/** A small seeded generator (mulberry32): the same sequence on every run. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every first_last login name in a seeded order, so people get varied, unique names. */
function shuffledLogins(): string[] {
  const logins = FIRST_NAMES.flatMap((first) => LAST_NAMES.map((last) => `${first}_${last}`));
  const random = createRandom(SEED);
  for (let i = logins.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [logins[i], logins[j]] = [logins[j] as string, logins[i] as string];
  }
  return logins;
}

/** Builds the company; pure and deterministic. */
export function buildDemoCompany(): DemoCompany {
  const names = shuffledLogins();
  let next = 0;
  const take = (groups: readonly string[]): Person => {
    const login = names[next++];
    if (login === undefined) throw new Error('the demo company ran out of names');
    return { login, groups };
  };
  const staff = (teams: readonly Team[]) => teams.flatMap((t) => Array.from({ length: t.size }, () => take([t.name])));

  const engineersByTeam = staff(ENGINEERING_TEAMS);
  const guildEvery = Math.floor(engineersByTeam.length / ARCHITECTURE_GUILD_SIZE);
  const engineers = engineersByTeam.map((person, i) =>
    i % guildEvery === guildEvery - 1 && i < guildEvery * ARCHITECTURE_GUILD_SIZE
      ? { ...person, groups: [...person.groups, GROUPS.architectureGuild] }
      : person,
  );
  const supportAgents = staff(SUPPORT_TEAMS);
  const department = (group: keyof typeof DEPARTMENT_SIZES) =>
    Array.from({ length: DEPARTMENT_SIZES[group] }, () => take([group]));
  // Leads work in a support team too, so the team policy and the leads' policy both apply to them.
  const leads = department(GROUPS.supportLeads).map((p, i) => ({
    ...p,
    groups: [...p.groups, SUPPORT_TEAMS[i % SUPPORT_TEAMS.length]?.name ?? GROUPS.support],
  }));
  const departments = {
    [GROUPS.supportLeads]: leads,
    [GROUPS.analysts]: department(GROUPS.analysts),
    [GROUPS.dataPlatform]: department(GROUPS.dataPlatform),
    [GROUPS.finance]: department(GROUPS.finance),
    [GROUPS.hr]: department(GROUPS.hr),
    [GROUPS.security]: department(GROUPS.security),
  };
  const dba = take([]).login;
  const breakGlass = departments[GROUPS.security][0]?.login ?? '';
  return { engineers, supportAgents, departments, dba, breakGlass };
}

/** The company, built once. */
export const DEMO_COMPANY: DemoCompany = buildDemoCompany();

/** One ordinary member of each kind, for tests and docs. */
export const SAMPLE_PEOPLE = {
  engineer: DEMO_COMPANY.engineers[0]?.login ?? '',
  supportAgent: DEMO_COMPANY.supportAgents[0]?.login ?? '',
  supportLead: DEMO_COMPANY.departments[GROUPS.supportLeads][0]?.login ?? '',
  analyst: DEMO_COMPANY.departments[GROUPS.analysts][0]?.login ?? '',
  dataPlatform: DEMO_COMPANY.departments[GROUPS.dataPlatform][0]?.login ?? '',
  finance: DEMO_COMPANY.departments[GROUPS.finance][0]?.login ?? '',
  hr: DEMO_COMPANY.departments[GROUPS.hr][0]?.login ?? '',
  breakGlass: DEMO_COMPANY.breakGlass,
  dba: DEMO_COMPANY.dba,
} as const;
