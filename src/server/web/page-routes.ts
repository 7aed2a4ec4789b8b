import type { Context, Hono, MiddlewareHandler } from 'hono';
import { APPROVAL_STATES, type ApprovalState, may, type Store, type SystemRegistry } from '../../app/index.ts';
import { DECISIONS, type Decision } from '../../core/index.ts';
import type { ExposureCache } from './exposure-cache.ts';
import type { WebEnv } from './guards.ts';
import { type Html, type Section, sendPage } from './layout.ts';
import type { LedgerCheck } from './ledger-check.ts';
import { approvalPage } from './pages/approval.ts';
import { approvalsPage } from './pages/approvals.ts';
import { auditPage } from './pages/audit.ts';
import { decisionsPage } from './pages/decisions.ts';
import { exposurePage } from './pages/exposure.ts';
import { messagePage } from './pages/message.ts';
import { countByDay } from './pages/outcome-chart.ts';
import { overviewPage } from './pages/overview.ts';
import type { Sessions } from './session.ts';

export interface PageDeps {
  readonly store: Store;
  readonly systems: SystemRegistry | undefined;
  readonly exposure: ExposureCache | undefined;
  readonly sessions: Sessions;
  readonly signedIn: MiddlewareHandler<WebEnv>;
  readonly clock: () => Date;
  readonly ledgerCheck: LedgerCheck;
}

/** Days of decisions the overview draws. */
const CHART_DAYS = 14;
/** Decisions read for the chart; the overview says when it was cut there. */
const CHART_DECISIONS = 1_000;
const LIST_LIMIT = 500;
const AUDIT_PAGE = 100;
/**
 * The audit page verifies the whole ledger when its last verification is older than this, and
 * waits for it this long; a longer one finishes in the background (a ledger of millions takes
 * seconds).
 */
const LEDGER_CHECK = { maxAgeMs: 10_000, waitMs: 2_000 } as const;

/** Answers with a page for the signed-in session, with its one-time message if any. */
export function showPage(
  c: Context<WebEnv>,
  sessions: Sessions,
  view: { readonly title: string; readonly section?: Section; readonly body: Html },
  status: 200 | 400 | 403 | 404 | 409 = 200,
): Response | Promise<Response> {
  const session = c.get('session');
  const flash = sessions.takeFlash(session.id);
  return sendPage(
    c,
    { ...view, session, ...(flash === undefined ? {} : { flash: { tone: 'ok', text: flash } }) },
    status,
  );
}

/** The pages that only read: overview, a system's exposure, approvals, decisions, audit. */
export function pageRoutes(routes: Hono<WebEnv>, deps: PageDeps): void {
  const { store, sessions, signedIn } = deps;
  const notFound = (c: Context<WebEnv>, message: string) =>
    showPage(c, sessions, { title: 'Not found', body: messagePage({ heading: 'Not found', message }) }, 404);
  const invalid = (c: Context<WebEnv>, message: string) =>
    showPage(
      c,
      sessions,
      { title: 'Invalid request', body: messagePage({ heading: 'Invalid request', message }) },
      400,
    );

  routes.get('/', signedIn, async (c) => {
    const now = deps.clock();
    const [pending, decisions, head] = await Promise.all([
      store.listApprovals({ state: 'pending', limit: 1_000 }),
      store.listDecisions({ limit: CHART_DECISIONS }),
      store.ledger.tail(1),
    ]);
    const systems = (deps.systems?.names() ?? []).map((name) => ({ name, exposure: deps.exposure?.latest(name) }));
    const body = overviewPage({
      systems,
      pending: pending.length,
      days: countByDay(decisions, now, CHART_DAYS),
      capped: decisions.length >= CHART_DECISIONS,
      ledgerHead: head[0]?.seq,
    });
    return showPage(c, sessions, { title: 'Overview', section: 'overview', body });
  });

  routes.get('/systems/:name', signedIn, async (c) => {
    const name = c.req.param('name');
    if (deps.exposure === undefined || !deps.systems?.names().includes(name))
      return notFound(c, `There is no system named ${name}.`);
    const summary = await deps.exposure.read(name);
    return showPage(c, sessions, { title: `Exposure of ${name}`, section: 'overview', body: exposurePage(summary) });
  });

  routes.get('/approvals', signedIn, async (c) => {
    const state = c.req.query('state') || undefined;
    if (state !== undefined && !(APPROVAL_STATES as readonly string[]).includes(state))
      return invalid(c, `The state must be one of ${APPROVAL_STATES.join(', ')}.`);
    const approvals = await store.listApprovals({
      ...(state === undefined ? {} : { state: state as ApprovalState }),
      limit: LIST_LIMIT,
    });
    const body = approvalsPage({ approvals, state: state as ApprovalState | undefined });
    return showPage(c, sessions, { title: 'Approvals', section: 'approvals', body });
  });

  routes.get('/approvals/:id', signedIn, async (c) => {
    const approval = await store.getApproval(c.req.param('id'));
    if (approval === undefined) return notFound(c, `There is no approval request ${c.req.param('id')}.`);
    const session = c.get('session');
    const body = approvalPage({ approval, session, mayApprove: may(session.token.role, 'approve') });
    return showPage(c, sessions, { title: 'Approval request', section: 'approvals', body });
  });

  routes.get('/decisions', signedIn, async (c) => {
    const system = c.req.query('system') || undefined;
    const outcome = c.req.query('outcome') || undefined;
    if (outcome !== undefined && !(DECISIONS as readonly string[]).includes(outcome))
      return invalid(c, `The outcome must be one of ${DECISIONS.join(', ')}.`);
    const all = await store.listDecisions({ limit: LIST_LIMIT, ...(system === undefined ? {} : { system }) });
    const decisions = outcome === undefined ? all : all.filter((d) => d.decision === outcome);
    const systems = [...new Set([...(deps.systems?.names() ?? []), ...all.map((d) => d.system)])].sort();
    const body = decisionsPage({ decisions, systems, system, outcome: outcome as Decision | undefined });
    return showPage(c, sessions, { title: 'Decisions', section: 'decisions', body });
  });

  routes.get('/audit', signedIn, async (c) => {
    const before = c.req.query('before');
    if (before !== undefined && !/^\d{1,15}$/.test(before)) return invalid(c, 'before must be an entry number.');
    const [check, entries] = await Promise.all([
      deps.ledgerCheck.current(LEDGER_CHECK),
      before === undefined ? store.ledger.tail(AUDIT_PAGE) : olderEntries(store, Number(before)),
    ]);
    const first = entries[0]?.seq;
    const body = auditPage({
      check,
      entries: [...entries].reverse(),
      older: first !== undefined && first > 1 ? first : undefined,
    });
    return showPage(c, sessions, { title: 'Audit', section: 'audit', body });
  });
}

/** The page of entries just before entry `before`, oldest first. */
function olderEntries(store: Store, before: number) {
  if (before <= 1) return Promise.resolve([]);
  return store.ledger.read({ after: Math.max(0, before - 1 - AUDIT_PAGE), limit: Math.min(AUDIT_PAGE, before - 1) });
}
