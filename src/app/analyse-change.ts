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
  for (const [piece, { sql, origin, line }] of pieces.entries()) {
    const interpretation = await analyzer.interpret(state, sql, actingAs);
    if (!interpretation.ok) {
      const { error } = interpretation;
      throw new FirebreakError('invalid_input', `${origin}:${line + error.line - 1}:${error.column}: ${error.message}`);
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

  const outcome = await analyzer.verify(raw, pieces.map((p) => p.sql).join(';\n'), actingAs);
  const verification = verificationOf(outcome);
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
