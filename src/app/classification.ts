import {
  type ClassificationRules,
  compileGlob,
  err,
  LABEL_NAME,
  type LabelRule,
  ok,
  type Result,
} from '../core/index.ts';

/** Labels to attach to whatever the globs match, as written in configuration or on a command line. */
export interface LabelSpec {
  readonly label: string;
  readonly globs: readonly string[];
}

/** Options that decide how a snapshot is classified before exposure is computed. */
export interface ClassificationSpec {
  readonly labels: readonly LabelSpec[];
  readonly detectors?: boolean;
  readonly comments?: boolean;
}

/** Parses `NAME=GLOB[,GLOB…]`, the form of the `--label` option. */
export function parseLabelOption(text: string): Result<LabelSpec, string> {
  const at = text.indexOf('=');
  if (at <= 0) return err(`--label "${text}" must look like NAME=GLOB[,GLOB…], e.g. pii=users.*,*.*.email`);
  const label = text.slice(0, at).trim();
  const globs = text
    .slice(at + 1)
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  if (globs.length === 0) return err(`--label "${text}" names no glob`);
  return ok({ label, globs });
}

/** Compiles label specs into classification rules, rejecting bad label names and malformed globs. */
export function compileClassification(spec: ClassificationSpec): Result<ClassificationRules, string> {
  const rules: LabelRule[] = [];
  for (const { label, globs } of spec.labels) {
    if (!LABEL_NAME.test(label))
      return err(
        `label "${label}" is not a valid label name (lower-case letters, digits, - and _, starting with a letter)`,
      );
    for (const pattern of globs) {
      const glob = compileGlob(pattern);
      if (!glob.ok) return err(`label ${label}: ${glob.error}`);
      rules.push({ label, glob: glob.value });
    }
  }
  return ok({
    rules,
    ...(spec.detectors === undefined ? {} : { detectors: spec.detectors }),
    ...(spec.comments === undefined ? {} : { comments: spec.comments }),
  });
}
