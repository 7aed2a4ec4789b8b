import { html } from 'hono/html';
import { CSRF_FIELD } from '../csrf.ts';
import type { Html } from '../layout.ts';

/** The sign-in form: a token, pasted once, exchanged for a session. */
export function loginPage(view: { readonly loginCsrf: string; readonly next: string }): Html {
  return html`<h1>Sign in</h1>
<p>Paste a Firebreak token (<code>fbk_…</code>). Create one with
<code>firebreak token create --name NAME --role approver</code>. The token is checked once and never stored in your browser.</p>
<form class="stack" method="post" action="/login">
  <input type="hidden" name="${CSRF_FIELD}" value="${view.loginCsrf}">
  <input type="hidden" name="next" value="${view.next}">
  <label for="token">Token</label>
  <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required autofocus>
  <div><button type="submit" class="primary">Sign in</button></div>
</form>`;
}
