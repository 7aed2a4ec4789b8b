import { DETECTORS, type Detector, detectColumn } from './detectors.ts';
import type { Glob } from './glob.ts';
import { changesSince, parentOf, recordDerivation, type SnapshotChanges } from './lineage.ts';
import { memoized, memoKey, recalled } from './memo.ts';
import type { Column, Label, LabelSource, Resource, ResourceId } from './model.ts';
import { OverlayMap } from './overlay-map.ts';
import { ancestorsOf, deepFreeze, freezeDerived, type Snapshot, withLabels } from './snapshot.ts';

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

/** Per snapshot, its classification by each set of rules (rules outlive the checks that use them). */
const CLASSIFICATIONS = memoKey<WeakMap<ClassificationRules, Snapshot>>('classifications');

/**
 * Returns a new snapshot in which resources and columns carry labels from the rules, from comment
 * markers and from column-name detectors; labels of containers flow down to what they contain,
 * and labels flow along derivations (a view over a labelled column is labelled). Each label keeps
 * its source; where one name comes from several, the first of config, comment, detector, lineage wins.
 *
 * The result is kept per snapshot and rules. A snapshot derived by edits from one already
 * classified with the same rules is classified incrementally: only the resources the edits
 * touched, what they contain and what derives from them are labelled again.
 */
export function classify(snapshot: Snapshot, rules: ClassificationRules): Snapshot {
  const perRules = memoized(snapshot, CLASSIFICATIONS, () => new WeakMap<ClassificationRules, Snapshot>());
  const cached = perRules.get(rules);
  if (cached !== undefined) return cached;
  const result = classifyAfterAncestor(snapshot, rules) ?? classifyAll(snapshot, rules);
  perRules.set(rules, result);
  return result;
}

function classifyAll(snapshot: Snapshot, rules: ClassificationRules): Snapshot {
  const labeller = createLabeller(snapshot, rules);
  const own = new Map<ResourceId, Resource>();
  for (const resource of snapshot.resources) own.set(resource.id, labeller.own(resource));
  const inherited = new Map<ResourceId, Resource>();
  for (const resource of own.values())
    inherited.set(
      resource.id,
      labeller.inherit(resource, (id) => own.get(id)),
    );
  const resources = propagateLineage(inherited, (id) => inherited.get(id));
  return withLabels(
    snapshot,
    snapshot.resources.map((r) => resources.get(r.id) as Resource),
  );
}

/** Incremental classification from the nearest classified ancestor, when there is one close enough. */
function classifyAfterAncestor(snapshot: Snapshot, rules: ClassificationRules): Snapshot | undefined {
  let ancestor = parentOf(snapshot);
  let previous: Snapshot | undefined;
  for (let steps = 0; ancestor !== undefined && steps < 64; steps++) {
    previous = recalled(ancestor, CLASSIFICATIONS)?.get(rules);
    if (previous !== undefined) break;
    ancestor = parentOf(ancestor);
  }
  if (ancestor === undefined || previous === undefined) return undefined;
  const changes = changesSince(snapshot, ancestor);
  if (changes === undefined || changes.resources.size > snapshot.resourceById.size / 10) return undefined;
  const affected = affectedBy(snapshot, ancestor, changes.resources);
  const labeller = createLabeller(snapshot, rules);
  const ownCache = new Map<ResourceId, Resource>();
  const own = (id: ResourceId) => {
    let labelled = ownCache.get(id);
    if (labelled === undefined) {
      const raw = snapshot.resourceById.get(id);
      if (raw === undefined) return undefined;
      labelled = labeller.own(raw);
      ownCache.set(id, labelled);
    }
    return labelled;
  };
  const relabelled = new Map<ResourceId, Resource>();
  for (const id of affected) {
    const resource = own(id);
    if (resource !== undefined) relabelled.set(id, labeller.inherit(resource, own));
  }
  const after = previous;
  const resources = propagateLineage(relabelled, (id) => relabelled.get(id) ?? after.resourceById.get(id));
  const changed = new Map([...resources].filter(([id]) => snapshot.resourceById.has(id)));
  const removed = [...changes.resources].filter((id) => !snapshot.resourceById.has(id));
  return relabel(snapshot, previous, changed, removed, {
    ...changes,
    resources: new Set([...changes.resources, ...affected]),
  });
}

/**
 * `structure`'s principals, memberships and grants with `labelled`'s resources, except the
 * `changed` ones: a snapshot derived from `labelled` that shares its indexes.
 */
function relabel(
  structure: Snapshot,
  labelled: Snapshot,
  changed: ReadonlyMap<ResourceId, Resource>,
  removed: readonly ResourceId[],
  changes: SnapshotChanges,
): Snapshot {
  for (const resource of changed.values()) deepFreeze(resource);
  const derived = freezeDerived({
    system: structure.system,
    source: structure.source,
    readPrivilege: structure.readPrivilege,
    blanketGrants: structure.blanketGrants,
    ...(structure.facts === undefined ? {} : { facts: structure.facts }),
    // Thunks: the structure's lists may themselves be built only when read.
    principals: () => structure.principals,
    principalById: structure.principalById,
    memberships: () => structure.memberships,
    membershipsOf: structure.membershipsOf,
    membersOf: structure.membersOf,
    resources: () => structure.resources.map((r) => changed.get(r.id) ?? labelled.resourceById.get(r.id) ?? r),
    resourceById: OverlayMap.derive(labelled.resourceById, changed, removed),
    grantsByResource: structure.grantsByResource,
    defaultGrants: structure.defaultGrants,
  });
  recordDerivation(derived, labelled, changes);
  return derived;
}

/**
 * The touched resources, everything inside them, and every derivation that reads any of those, at
 * any depth. Found by walking the ancestor's reverse index (containers → contents, sources →
 * derivations): what is new is touched already, so the ancestor's index has every other edge.
 */
function affectedBy(snapshot: Snapshot, ancestor: Snapshot, touched: ReadonlySet<ResourceId>): Set<ResourceId> {
  const index = dependentsIndex(ancestor);
  const affected = new Set<ResourceId>();
  const queue = [...touched];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as ResourceId;
    if (affected.has(id)) continue;
    if (snapshot.resourceById.has(id)) affected.add(id);
    for (const dependent of index.get(id) ?? []) if (!affected.has(dependent)) queue.push(dependent);
  }
  return affected;
}

const DEPENDENTS = memoKey<ReadonlyMap<ResourceId, readonly ResourceId[]>>('dependents');

/** Per resource, what is inside it and what derives from it (one step). */
export function dependentsIndex(snapshot: Snapshot): ReadonlyMap<ResourceId, readonly ResourceId[]> {
  return memoized(snapshot, DEPENDENTS, () => {
    const built = new Map<ResourceId, ResourceId[]>();
    const link = (from: ResourceId, to: ResourceId) => {
      const list = built.get(from);
      if (list === undefined) built.set(from, [to]);
      else list.push(to);
    };
    for (const r of snapshot.resources) {
      if (r.parent !== undefined) link(r.parent, r.id);
      for (const source of r.derivation?.sources ?? []) link(source.resource, r.id);
    }
    return built;
  });
}

interface Labeller {
  /** The resource with the labels its own rules, comments and column names give it. */
  own(resource: Resource): Resource;
  /** The resource with its containers' own labels added. */
  inherit(resource: Resource, ownOf: (id: ResourceId) => Resource | undefined): Resource;
}

function createLabeller(snapshot: Snapshot, rules: ClassificationRules): Labeller {
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
  return {
    // Resources and columns that gain no label keep their (frozen) identity, so that relabelling a
    // large snapshot copies only what changed.
    own(resource) {
      const labels = [...resource.labels];
      for (const rule of rules.rules)
        if (rule.glob.matches(resource.path)) add(labels, rule.label, { kind: 'config', rule: rule.glob.pattern });
      if (useComments)
        for (const name of labelsInComment(resource.comment))
          add(labels, name, { kind: 'comment', resource: resource.id });
      const columns = resource.columns.map((column) => labelColumn(resource, column, rules.rules, useComments, detect));
      const unchanged = labels.length === resource.labels.length && columns.every((c, i) => c === resource.columns[i]);
      return unchanged ? resource : { ...resource, labels, columns };
    },
    inherit(resource, ownOf) {
      if (!resource.readable || resource.parent === undefined) return resource;
      const labels = [...resource.labels];
      for (const ancestor of ancestorsOf(snapshot, resource))
        for (const label of ownOf(ancestor.id)?.labels ?? []) add(labels, label.name, label.source);
      return labels.length === resource.labels.length ? resource : { ...resource, labels };
    },
  };
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

/**
 * Labels flow from sources to derived resources until nothing changes (views over views). Only
 * the resources in `resources` are relabelled; `lookup` finds any resource's current labels.
 */
function propagateLineage(
  resources: Map<ResourceId, Resource>,
  lookup: (id: ResourceId) => Resource | undefined,
): Map<ResourceId, Resource> {
  for (let round = 0; round <= resources.size; round++) {
    let changed = false;
    for (const resource of resources.values()) {
      if (resource.derivation === undefined) continue;
      const labels = [...resource.labels];
      const columns = resource.columns.map((c) => ({ ...c, labels: [...c.labels] }));
      for (const ref of resource.derivation.sources) {
        const source = resources.get(ref.resource) ?? lookup(ref.resource);
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

/**
 * Labels are read by resource, and a resource's names by every report and policy that names it:
 * kept by resource (frozen, and shared by the snapshots an edit did not touch).
 */
const labelNames = new WeakMap<Resource, readonly string[]>();

/** Every label name on a resource or any of its columns, sorted. */
export function labelNamesOf(resource: Resource): readonly string[] {
  let sorted = labelNames.get(resource);
  if (sorted === undefined) {
    const names = new Set(resource.labels.map((l) => l.name));
    for (const column of resource.columns) for (const label of column.labels) names.add(label.name);
    sorted = Object.freeze([...names].sort());
    labelNames.set(resource, sorted);
  }
  return sorted;
}

/**
 * Labels are sticky within a change: a resource that exists before and after keeps every label it
 * had before, even if the change removed the comment marker or renamed the column that gave it.
 * Otherwise a change could declassify data in one statement and expose it in the next.
 */
export function keepLabels(before: Snapshot, after: Snapshot): Snapshot {
  const changes = changesSince(after, before);
  const candidates =
    changes === undefined ? after.resources : [...changes.resources].flatMap((id) => after.resourceById.get(id) ?? []);
  const changed = new Map<ResourceId, Resource>();
  for (const resource of candidates) {
    const old = before.resourceById.get(resource.id);
    if (old === undefined || old === resource) continue;
    const labels = [...resource.labels];
    for (const label of old.labels) add(labels, label.name, label.source);
    const columns = resource.columns.map((column) => {
      const previous = old.columns.find((c) => c.name === column.name);
      if (previous === undefined) return column;
      const merged = [...column.labels];
      for (const label of previous.labels) add(merged, label.name, label.source);
      return merged.length === column.labels.length ? column : { ...column, labels: merged };
    });
    if (labels.length === resource.labels.length && columns.every((c, i) => c === resource.columns[i])) continue;
    changed.set(resource.id, { ...resource, labels, columns });
  }
  if (changed.size === 0) return after;
  return relabel(after, after, changed, [], {
    principals: false,
    memberships: false,
    narrowed: false,
    defaultGrants: false,
    resources: new Set(changed.keys()),
    principalsTouched: new Set(),
    membersTouched: new Set(),
    groupsTouched: new Set(),
  });
}
