import { DETECTORS, type Detector, detectColumn } from './detectors.ts';
import type { Glob } from './glob.ts';
import type { Column, Label, LabelSource, Resource, ResourceId } from './model.ts';
import { ancestorsOf, type Snapshot, withLabels } from './snapshot.ts';

/** Label names are short identifiers: `pii`, `secret`, `financial`, `hr-confidential`. */
export const LABEL_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** Attach `label` to whatever a glob matches (resources by path, columns by path + column). */
export interface LabelRule {
  readonly label: string;
  readonly glob: Glob;
}

export interface ClassificationRules {
  readonly rules: readonly LabelRule[];
  /** Read `[firebreak: label, …]` markers in resource and column comments. Default true. */
  readonly comments?: boolean;
  /** Label columns by their names (see `detectors.ts`). Default true. */
  readonly detectors?: boolean | readonly Detector[];
}

/**
 * A marker in a source comment that labels what it describes, e.g.
 * `COMMENT ON COLUMN users.email IS 'Login address [firebreak: pii]'`. Several labels are
 * separated by commas; the keyword is case-insensitive.
 */
const MARKER = /\[firebreak:\s*([^\]]*)\]/gi;

/** Label names found in comment markers; invalid names are skipped (reported by {@link commentLabelIssues}). */
export function labelsInComment(comment: string | undefined): string[] {
  if (comment === undefined) return [];
  const names: string[] = [];
  for (const match of comment.matchAll(MARKER))
    for (const raw of (match[1] ?? '').split(',')) {
      const name = raw.trim().toLowerCase();
      if (LABEL_NAME.test(name) && !names.includes(name)) names.push(name);
    }
  return names;
}

/**
 * Returns a new snapshot in which resources and columns carry labels from the rules, from comment
 * markers and from column-name detectors; labels of containers flow down to what they contain,
 * and labels flow along derivations (a view over a labelled column is labelled). Each label keeps
 * its source; where one name comes from several, the first of config, comment, detector, lineage wins.
 */
export function classify(snapshot: Snapshot, rules: ClassificationRules): Snapshot {
  const detectors =
    rules.detectors === false
      ? []
      : rules.detectors === true || rules.detectors === undefined
        ? DETECTORS
        : rules.detectors;
  const useComments = rules.comments ?? true;

  // Column names repeat across tables (id, email, created_at): detect each name once.
  const detected = new Map<string, Detector[]>();
  const detect = (name: string) => {
    let found = detected.get(name);
    if (found === undefined) {
      found = detectColumn(name, detectors);
      detected.set(name, found);
    }
    return found;
  };
  // Resources and columns that gain no label keep their (frozen) identity, so that relabelling a
  // large snapshot copies only what changed.
  const own = new Map<ResourceId, Resource>();
  for (const resource of snapshot.resources) {
    const labels = [...resource.labels];
    for (const rule of rules.rules)
      if (rule.glob.matches(resource.path)) add(labels, rule.label, { kind: 'config', rule: rule.glob.pattern });
    if (useComments)
      for (const name of labelsInComment(resource.comment))
        add(labels, name, { kind: 'comment', resource: resource.id });
    const columns = resource.columns.map((column) => labelColumn(resource, column, rules.rules, useComments, detect));
    const unchanged = labels.length === resource.labels.length && columns.every((c, i) => c === resource.columns[i]);
    own.set(resource.id, unchanged ? resource : { ...resource, labels, columns });
  }

  const inherited = new Map<ResourceId, Resource>();
  for (const resource of own.values()) {
    if (!resource.readable || resource.parent === undefined) {
      inherited.set(resource.id, resource);
      continue;
    }
    const labels = [...resource.labels];
    for (const ancestor of ancestorsOf(snapshot, resource))
      for (const label of own.get(ancestor.id)?.labels ?? []) add(labels, label.name, label.source);
    inherited.set(resource.id, labels.length === resource.labels.length ? resource : { ...resource, labels });
  }

  const resources = propagateLineage(inherited);
  return withLabels(
    snapshot,
    snapshot.resources.map((r) => resources.get(r.id) as Resource),
  );
}

function labelColumn(
  resource: Resource,
  column: Column,
  rules: readonly LabelRule[],
  useComments: boolean,
  detect: (name: string) => readonly Detector[],
): Column {
  const labels = [...column.labels];
  const path = [...resource.path, column.name];
  for (const rule of rules)
    if (rule.glob.matches(path)) add(labels, rule.label, { kind: 'config', rule: rule.glob.pattern });
  if (useComments)
    for (const name of labelsInComment(column.comment))
      add(labels, name, { kind: 'comment', resource: resource.id, column: column.name });
  if (resource.readable && resource.derivation === undefined)
    for (const detector of detect(column.name))
      add(labels, detector.label, { kind: 'detector', detector: detector.name, column: column.name });
  return labels.length === column.labels.length ? column : { ...column, labels };
}

/** Labels flow from sources to derived resources until nothing changes (views over views). */
function propagateLineage(resources: Map<ResourceId, Resource>): Map<ResourceId, Resource> {
  for (let round = 0; round <= resources.size; round++) {
    let changed = false;
    for (const resource of resources.values()) {
      if (resource.derivation === undefined) continue;
      const labels = [...resource.labels];
      const columns = resource.columns.map((c) => ({ ...c, labels: [...c.labels] }));
      for (const ref of resource.derivation.sources) {
        const source = resources.get(ref.resource);
        if (source === undefined) continue;
        const used = ref.columns.length > 0 ? ref.columns : source.columns.map((c) => c.name);
        for (const sourceColumn of source.columns) {
          if (!used.includes(sourceColumn.name)) continue;
          for (const label of sourceColumn.labels) {
            const lineage: LabelSource = { kind: 'lineage', from: source.id, column: sourceColumn.name };
            add(labels, label.name, lineage);
            const same = columns.find((c) => c.name === sourceColumn.name);
            if (same !== undefined) add(same.labels, label.name, lineage);
          }
        }
        // Whole-resource labels flow on; labels that only summarise a source's columns do not,
        // so a view of a view's harmless columns stays unlabelled.
        for (const label of source.labels)
          if (label.source.kind !== 'lineage' || label.source.column === undefined)
            add(labels, label.name, { kind: 'lineage', from: source.id });
      }
      const before = resource.labels.length + resource.columns.reduce((n, c) => n + c.labels.length, 0);
      const after = labels.length + columns.reduce((n, c) => n + c.labels.length, 0);
      if (after !== before) {
        changed = true;
        resources.set(resource.id, { ...resource, labels, columns });
      }
    }
    if (!changed) break;
  }
  return resources;
}

function add(labels: Label[], name: string, source: LabelSource): void {
  if (!labels.some((l) => l.name === name)) labels.push({ name, source });
}

/** Every label name on a resource or any of its columns, sorted. */
export function labelNamesOf(resource: Resource): string[] {
  const names = new Set(resource.labels.map((l) => l.name));
  for (const column of resource.columns) for (const label of column.labels) names.add(label.name);
  return [...names].sort();
}
