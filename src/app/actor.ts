import { err, ok, type Result } from '../core/index.ts';

/** Who proposes a change: an AI agent or a person, as `agent:NAME` or `user:NAME`. */
export interface Actor {
  readonly kind: 'agent' | 'user';
  readonly name: string;
}

export function parseActor(text: string): Result<Actor, string> {
  const match = /^(agent|user):([^\s:][^\s]{0,127})$/.exec(text);
  if (match === null) return err(`actor "${text}" must be agent:NAME or user:NAME`);
  return ok({ kind: match[1] as Actor['kind'], name: match[2] as string });
}

export function formatActor(actor: Actor): string {
  return `${actor.kind}:${actor.name}`;
}
