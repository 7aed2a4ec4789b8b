import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CSRF_FIELD } from './csrf.ts';
import type { Session } from './session.ts';
import { STYLESHEET_PATH } from './styles.ts';

/** Markup built with hono/html's `html` template, which escapes every interpolated value. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export type Section = 'overview' | 'approvals' | 'decisions' | 'audit';

export interface View {
  readonly title: string;
  readonly body: Html;
  /** Absent on pages shown before sign-in. */
  readonly session?: Session;
  readonly section?: Section;
  readonly flash?: { readonly tone: 'ok' | 'error'; readonly text: string };
}

/**
 * No scripts at all, styles only from our stylesheet, forms only to ourselves, never framed.
 * https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function setSecurityHeaders(c: Context): void {
  c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
}

/** Answers with a whole page. */
export function sendPage(c: Context, view: View, status: ContentfulStatusCode = 200): Response | Promise<Response> {
  setSecurityHeaders(c);
  return c.html(layout(view), status);
}

/** The hidden field every POST form of a session carries. */
export function csrfField(session: Session): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}">`;
}

const SECTIONS: readonly { readonly key: Section; readonly href: string; readonly label: string }[] = [
  { key: 'overview', href: '/', label: 'Overview' },
  { key: 'approvals', href: '/approvals', label: 'Approvals' },
  { key: 'decisions', href: '/decisions', label: 'Decisions' },
  { key: 'audit', href: '/audit', label: 'Audit' },
];

function layout(view: View): Html {
  const { session } = view;
  const nav =
    session === undefined
      ? ''
      : html`<nav aria-label="Dashboard"><ul>${SECTIONS.map(
          (s) =>
            html`<li><a href="${s.href}"${s.key === view.section ? html` aria-current="page"` : ''}>${s.label}</a></li>`,
        )}</ul></nav>
      <div class="who"><span>Signed in as <strong>${session.token.name}</strong> (${session.token.role})</span>
        <form class="inline" method="post" action="/logout">${csrfField(session)}<button type="submit" class="link">Sign out</button></form>
      </div>`;
  const flash =
    view.flash === undefined
      ? ''
      : html`<p class="notice ${view.flash.tone}" role="${view.flash.tone === 'error' ? 'alert' : 'status'}">${view.flash.text}</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${view.title} · Firebreak</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/">Firebreak</a>${nav}</header>
<main id="main">
${flash}
${view.body}
</main>
</body>
</html>`;
}
