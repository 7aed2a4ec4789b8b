import { html } from 'hono/html';
import type { Html } from './layout.ts';

/** How the pages write times, counts and states: one way each. */
export function when(iso: string): Html {
  const text = Number.isNaN(Date.parse(iso)) ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return html`<time datetime="${iso}">${text}</time>`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 principal", "3 principals"; "2 entries" with the plural given. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${count(n)} ${n === 1 ? noun : nouns}`;
}

/** A state or outcome as a word in a coloured badge; the word carries the meaning. */
export function badge(word: string, tone: string = word): Html {
  return html`<span class="badge ${tone}">${word}</span>`;
}

export function labels(names: readonly string[]): Html {
  return names.length === 0 ? html`<span class="muted">none</span>` : html`${names.map((l) => badge(l, 'label'))}`;
}

/** A path to a page, with each dynamic segment encoded. */
export function pathTo(...segments: readonly string[]): string {
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

/** "an admin token", "a viewer token": a role as the pages name it. */
export function roleToken(role: string): string {
  return `${/^[aeiou]/i.test(role) ? 'an' : 'a'} ${role} token`;
}

export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
