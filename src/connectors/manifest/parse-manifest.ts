import { LineCounter, parseDocument } from 'yaml';
import { createSnapshot, err, FirebreakError, type Issue, ok, type Result, type Snapshot } from '../../core/index.ts';
import { createLocator, fromZodIssues, withLines } from './issues.ts';
import { normaliseManifest } from './normalise.ts';
import { manifestSchema } from './schema.ts';

/** Largest manifest accepted, in bytes of the file (and characters of the text). */
export const MANIFEST_MAX_BYTES = 20 * 1024 * 1024;

export type ManifestFormat = 'yaml' | 'json';

export interface ParseManifestOptions {
  readonly format: ManifestFormat;
  /** Name of the system; takes precedence over the manifest's `system` field. */
  readonly system?: string;
  /** Shown in messages with the line number, e.g. `access.yaml:12`. */
  readonly sourceName?: string;
}

/**
 * Reads a manifest's text into a snapshot of its system. Pure: no I/O. Every problem (syntax,
 * unknown or missing fields, wrong types, invalid label or resource names, duplicate names,
 * references to undeclared principals, resources or columns, `public` declared or used as a
 * member, group or owner) is an issue with a code, a path into the document and a message that
 * ends with the line where the line is known.
 *
 * @example
 * const result = parseManifest(text, { format: 'yaml', sourceName: 'access.yaml' });
 * if (result.ok) computeExposure(result.value);
 */
export function parseManifest(text: string, options: ParseManifestOptions): Result<Snapshot, readonly Issue[]> {
  if (text.length > MANIFEST_MAX_BYTES)
    return err([{ code: 'too_large', path: [], message: `a manifest may hold at most ${MANIFEST_MAX_BYTES} bytes` }]);
  const parsed = options.format === 'json' ? parseJson(text) : parseYaml(text);
  if (!parsed.ok) return parsed;

  const locate = createLocator(text);
  const checked = manifestSchema.safeParse(parsed.value, { reportInput: true });
  if (!checked.success) return err(withLines(fromZodIssues(checked.error.issues), locate, options.sourceName));

  const system = options.system ?? checked.data.system;
  if (system === undefined)
    return err(
      withLines(
        [
          {
            code: 'missing_field',
            path: ['system'],
            message: 'missing required field "system" (the name of the system)',
          },
        ],
        locate,
        options.sourceName,
      ),
    );
  const data = normaliseManifest(checked.data, system);
  if (!data.ok) return err(withLines(data.error, locate, options.sourceName));

  const snapshot = createSnapshot(data.value);
  // normaliseManifest checks every reference createSnapshot checks, with paths into the manifest.
  if (!snapshot.ok)
    throw new FirebreakError(
      'internal',
      `manifest normalised into an inconsistent snapshot: ${snapshot.error[0]?.message}`,
    );
  return ok(snapshot.value);
}

function parseYaml(text: string): Result<unknown, readonly Issue[]> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0)
    return err(
      doc.errors.map((e) => ({
        code: e.code === 'DUPLICATE_KEY' ? 'duplicate_key' : 'syntax_error',
        path: [],
        message: `${e.message} (line ${lineCounter.linePos(e.pos[0]).line})`,
      })),
    );
  try {
    // Aliases are bounded so that a small file cannot expand into a huge value.
    return ok(doc.toJS({ maxAliasCount: 100 }));
  } catch (error) {
    return err([{ code: 'syntax_error', path: [], message: (error as Error).message }]);
  }
}

function parseJson(text: string): Result<unknown, readonly Issue[]> {
  try {
    return ok(JSON.parse(text));
  } catch (error) {
    // V8 quotes the input in some messages; keep the message short and point at the line instead.
    const message = (error as Error).message.replace(/,? "[\s\S]*" is not valid JSON$/, ' is not valid JSON');
    const position = /at position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
    return err([
      {
        code: 'syntax_error',
        path: [],
        message: `invalid JSON: ${message.slice(0, 200)}${line === undefined ? '' : ` (line ${line})`}`,
      },
    ]);
  }
}
