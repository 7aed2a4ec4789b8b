import {
  type AccessDelta,
  type ClassificationRules,
  classify,
  computeDelta,
  FirebreakError,
  keepLabels,
  type PrincipalId,
  type Snapshot,
} from '../core/index.ts';
import type { ChangeAnalyzer, SandboxOutcome, StatementAnalysis } from './ports.ts';

/** A piece of a change and where it came from (a file, a code block of an answer). */
export interface ChangePiece {
  readonly sql: string;
  /** Where the piece is, for messages: `fix.sql`, `answer.md:12`. */
  readonly origin: string;
  /** Line of the origin where the piece starts (1 for a whole file). */
  readonly line: number;
  /**
   * Why the piece cannot be analysed, when it cannot (a psql `\gexec`, a script file the answer
   * does not show). `sql` is then what the answer shows: it is reported, never interpreted or run.
   */
  readonly opaque?: string;
}

export interface AnalysedStatement extends StatementAnalysis {
  /** Which piece the statement is in (0-based), and its line in the piece's origin. */
  readonly piece: number;
  readonly originLine: number;
}

export interface Verification {
  /** Whether the sandbox ran the change to the end (statements may still have failed there). */
  readonly ran: boolean;
  readonly reason?: string;
  /** The sandbox's delta matches the static interpretation's (only when both exist). */
  readonly agrees?: boolean;
  readonly failedStatements: readonly { readonly index: number; readonly error: string }[];
  readonly warnings: readonly string[];
}

export interface ChangeAnalysis {
  readonly before: Snapshot;
  readonly after: Snapshot;
  readonly actingAs: PrincipalId;
  readonly statements: readonly AnalysedStatement[];
  readonly delta: AccessDelta;
  readonly verification?: Verification;
}

export interface AnalyseOptions {
  readonly analyzer: ChangeAnalyzer;
  /** The system's snapshot as read, and the same classified. */
  readonly raw: Snapshot;
  readonly before: Snapshot;
  readonly rules: ClassificationRules;
  readonly pieces: readonly ChangePiece[];
  readonly actingAs?: PrincipalId;
  /** Replay in the sandbox even when every statement could be interpreted. */
  readonly verify?: boolean;
}

/**
 * Interprets a change piece after piece (each seeing what the previous left), replays it in the
 * sandbox when a statement is opaque or when asked, and computes the access delta. Labels are
 * sticky: nothing labelled before the change loses its labels because of it.
 */
export async function analyseChange(options: AnalyseOptions): Promise<ChangeAnalysis> {
  const { analyzer, raw, before, rules, pieces } = options;
  const actingAs = options.actingAs ?? analyzer.defaultActingRole(raw);
  if (!raw.principalById.has(actingAs))
    throw new FirebreakError('invalid_input', `role "${actingAs}" does not exist in ${raw.system}`);
  let state = raw;
  const statements: AnalysedStatement[] = [];
  for (const [piece, { sql, origin, line, opaque: hidden }] of pieces.entries()) {
    if (hidden !== undefined) {
      statements.push(opaqueStatement(statements.length + 1, piece, line, sql, hidden));
      continue;
    }
    const interpretation = await analyzer.interpret(state, sql, actingAs);
    if (!interpretation.ok) {
      const { error } = interpretation;
      const where = `${origin}:${line + error.line - 1}:${error.column}`;
      // After a piece that could not be analysed the state is unknown: what looks invalid here
      // may be valid then, so the piece is opaque rather than refused.
      const earlier = statements.find((s) => s.effect === 'opaque');
      if (earlier === undefined) throw new FirebreakError('invalid_input', `${where}: ${error.message}`);
      const reason = `${error.message}, unless statement ${earlier.index}, which Firebreak cannot analyse, changes that`;
      statements.push(opaqueStatement(statements.length + 1, piece, line + error.line - 1, sql, reason));
      continue;
    }
    for (const statement of interpretation.statements)
      statements.push({ ...statement, index: statements.length + 1, piece, originLine: line + statement.line - 1 });
    state = interpretation.after;
  }
  if (statements.length === 0) throw new FirebreakError('invalid_input', 'the change has no SQL statements');

  const staticAfter = keepLabels(before, classify(state, rules));
  const opaque = statements.some((s) => s.effect === 'opaque');
  if (!opaque && options.verify !== true)
    return { before, after: staticAfter, actingAs, statements, delta: computeDelta(before, staticAfter) };

  // What cannot be analysed cannot be replayed either: the sandbox runs the rest.
  const replayed = pieces.filter((p) => p.opaque === undefined);
  const unreplayed = pieces.length - replayed.length;
  const outcome =
    replayed.length === 0
      ? ({ ok: false, reason: 'the change has no SQL the sandbox can run' } as const)
      : await analyzer.verify(raw, replayed.map((p) => p.sql).join(';\n'), actingAs);
  const replay = verificationOf(outcome);
  const verification =
    unreplayed === 0
      ? replay
      : {
          ...replay,
          warnings: [
            ...replay.warnings,
            `${unreplayed} piece${unreplayed === 1 ? '' : 's'} of the change could not be replayed (they stay opaque)`,
          ],
        };
  if (!outcome.ok)
    return { before, after: staticAfter, actingAs, statements, delta: computeDelta(before, staticAfter), verification };
  const sandboxAfter = keepLabels(before, classify(outcome.after, rules));
  const sandboxDelta = computeDelta(before, sandboxAfter);
  if (opaque)
    // What the statements did in the shadow is the best estimate of what they do; they stay opaque.
    return { before, after: sandboxAfter, actingAs, statements, delta: sandboxDelta, verification };
  const staticDelta = computeDelta(before, staticAfter);
  return {
    before,
    after: staticAfter,
    actingAs,
    statements,
    delta: staticDelta,
    verification: { ...verification, agrees: sameGains(staticDelta, sandboxDelta) },
  };
}

function opaqueStatement(index: number, piece: number, line: number, sql: string, reason: string): AnalysedStatement {
  return { index, sql, line: 1, column: 1, effect: 'opaque', edits: [], notes: [], reason, piece, originLine: line };
}

function verificationOf(outcome: SandboxOutcome): Verification {
  if (!outcome.ok) return { ran: false, reason: outcome.reason, failedStatements: [], warnings: [] };
  return {
    ran: true,
    failedStatements: outcome.statements
      .filter((s) => !s.ok)
      .map((s) => ({ index: s.index, error: s.error ?? 'failed' })),
    warnings: outcome.warnings,
  };
}

/** Two deltas give the same readers the same new and lost access. */
function sameGains(a: AccessDelta, b: AccessDelta): boolean {
  const key = (d: AccessDelta) =>
    d.resources
      .flatMap((r) => [
        ...r.gained.list().map((c) => `+${r.resource.id}|${c.principal}|${c.after}`),
        ...r.lost.list().map((c) => `-${r.resource.id}|${c.principal}|${c.after}`),
      ])
      .sort()
      .join('\n');
  return key(a) === key(b);
}
