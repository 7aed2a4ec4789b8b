import { randomBytes } from 'node:crypto';
import type { TokenRecord } from '../../app/index.ts';

/**
 * Dashboard sessions, kept in this process only: a sign-in with a token opens one, and the
 * browser holds nothing but its random id in a cookie. The token's secret is never kept; the
 * session holds the token's record, so the session ends when the token is revoked (checked on
 * every request by the routes).
 */
export interface Session {
  readonly id: string;
  readonly token: TokenRecord;
  /** The synchronizer token every form of this session carries. */
  readonly csrf: string;
  readonly createdAt: number;
  readonly lastSeen: number;
}

export interface Sessions {
  open(token: TokenRecord): Session;
  /** The live session with this id, its idle timer restarted; undefined when unknown or expired. */
  find(id: string | undefined): Session | undefined;
  end(id: string): void;
  /** A one-time message for the session's next page ("You approved …"). */
  flash(id: string, message: string): void;
  takeFlash(id: string): string | undefined;
}

export const SESSION_COOKIE = 'fb_session';
/** A session unused this long ends. */
export const IDLE_MS = 8 * 60 * 60 * 1000;
/** A session ends this long after sign-in, however busy. */
export const LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Past this many sessions, the oldest end first: memory stays bounded. */
export const MAX_SESSIONS = 10_000;

/** A random value for session ids and CSRF tokens: 256 bits, URL-safe. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function createSessions(now: () => number): Sessions {
  const sessions = new Map<string, Session>();
  const flashes = new Map<string, string>();
  const live = (s: Session, at: number) => at - s.lastSeen < IDLE_MS && at - s.createdAt < LIFETIME_MS;

  const end = (id: string) => {
    sessions.delete(id);
    flashes.delete(id);
  };

  return {
    open(token) {
      const at = now();
      if (sessions.size >= MAX_SESSIONS) {
        for (const s of sessions.values()) if (!live(s, at)) end(s.id);
        // Maps iterate in insertion order: the first key is the oldest session.
        const oldest = sessions.keys().next();
        if (sessions.size >= MAX_SESSIONS && oldest.done !== true) end(oldest.value);
      }
      const session: Session = { id: randomSecret(), token, csrf: randomSecret(), createdAt: at, lastSeen: at };
      sessions.set(session.id, session);
      return session;
    },
    find(id) {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      const at = now();
      if (!live(session, at)) {
        end(id);
        return undefined;
      }
      const touched = { ...session, lastSeen: at };
      sessions.set(id, touched);
      return touched;
    },
    end,
    flash(id, message) {
      if (sessions.has(id)) flashes.set(id, message);
    },
    takeFlash(id) {
      const message = flashes.get(id);
      flashes.delete(id);
      return message;
    },
  };
}
