import { html } from 'hono/html';
import type { Html } from '../layout.ts';

/** A page that says one thing: why a request was refused or failed, and where to go next. */
export function messagePage(view: {
  readonly heading: string;
  readonly message: string;
  readonly back?: { readonly href: string; readonly label: string };
}): Html {
  return html`<h1>${view.heading}</h1>
<p class="notice error" role="alert">${view.message}</p>
${view.back === undefined ? '' : html`<p><a href="${view.back.href}">${view.back.label}</a></p>`}`;
}
