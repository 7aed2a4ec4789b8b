import { compareText } from './collections.ts';
import { changesSince, parentOf } from './lineage.ts';
import { memoized, memoKey, recalled } from './memo.ts';
import type { Resource, ResourceId } from './model.ts';
import type { Snapshot } from './snapshot.ts';

type ChildIndex = ReadonlyMap<ResourceId, readonly Resource[]>;

const CHILD_INDEX = memoKey<ChildIndex>('child index');

/**
 * The resources directly inside a container (the tables of a schema, the schemas of a database),
 * by name. Indexed once per snapshot; a snapshot derived by edits patches its parent's index, so
 * `GRANT … ON ALL TABLES IN SCHEMA` does not scan every resource of a large system.
 */
export function childrenOf(snapshot: Snapshot, container: ResourceId): readonly Resource[] {
  return childIndex(snapshot).get(container) ?? [];
}

function childIndex(snapshot: Snapshot): ChildIndex {
  return memoized(snapshot, CHILD_INDEX, () => derivedIndex(snapshot) ?? fullIndex(snapshot));
}

function fullIndex(snapshot: Snapshot): ChildIndex {
  const index = new Map<ResourceId, Resource[]>();
  for (const resource of snapshot.resources) {
    if (resource.parent === undefined) continue;
    const list = index.get(resource.parent);
    if (list === undefined) index.set(resource.parent, [resource]);
    else list.push(resource);
  }
  for (const list of index.values()) list.sort(byName);
  return index;
}

/** The parent's index with the containers of touched resources (before and after) listed again. */
function derivedIndex(snapshot: Snapshot): ChildIndex | undefined {
  const parent = parentOf(snapshot);
  const previous = parent === undefined ? undefined : recalled(parent, CHILD_INDEX);
  if (parent === undefined || previous === undefined) return undefined;
  const changes = changesSince(snapshot, parent);
  if (changes === undefined) return undefined;
  const moved = new Map<ResourceId, Resource[]>();
  for (const id of changes.resources) {
    const now = snapshot.resourceById.get(id);
    for (const container of [parent.resourceById.get(id)?.parent, now?.parent])
      if (container !== undefined && !moved.has(container)) moved.set(container, []);
    if (now?.parent !== undefined) moved.get(now.parent)?.push(now);
  }
  const index = new Map(previous);
  for (const [container, arrived] of moved) {
    const list = (previous.get(container) ?? []).flatMap((old) => {
      if (changes.resources.has(old.id)) return [];
      const current = snapshot.resourceById.get(old.id);
      return current === undefined || current.parent !== container ? [] : [current];
    });
    list.push(...arrived);
    list.sort(byName);
    if (list.length === 0) index.delete(container);
    else index.set(container, list);
  }
  return index;
}

const byName = (a: Resource, b: Resource) => compareText(a.name, b.name) || compareText(a.id, b.id);
