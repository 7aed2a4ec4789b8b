import {
  type AccessLevel,
  type ClassificationRules,
  computeExposure,
  type Exposure,
  labelNamesOf,
  type Snapshot,
} from '../core/index.ts';
import type { SystemSource } from './ports.ts';
import { readClassified } from './read-classified.ts';

/** The exposure report as every interface shows it (the CLI's JSON is exactly this). */
export interface ExposureReport {
  readonly system: string;
  readonly source: string;
  readonly facts: Readonly<Record<string, string>>;
  readonly resources: readonly ResourceReport[];
  readonly latent: readonly LatentReport[];
  readonly summary: {
    readonly resources: number;
    readonly loginPrincipals: number;
    /** Login principals that can read at least one reported resource. */
    readonly readers: number;
  };
}

export interface ResourceReport {
  readonly resource: string;
  readonly kind: string;
  readonly labels: readonly string[];
  /** Columns that carry labels, with their labels. */
  readonly labelledColumns: Readonly<Record<string, readonly string[]>>;
  readonly readers: readonly ReaderReport[];
  /** Principals who can run code that reads the resource with its owner's rights. */
  readonly potentialReaders: readonly {
    readonly via: string;
    readonly owner: string;
    readonly principals: readonly string[];
  }[];
}

export interface ReaderReport {
  readonly principal: string;
  readonly access: Exclude<AccessLevel, 'none'>;
  readonly columns?: readonly string[];
}

export interface LatentReport {
  readonly creator: string;
  readonly container?: string;
  readonly kind: string;
  readonly privilege: string;
  readonly grantee: string;
  readonly principals: readonly string[];
  readonly labelledResourcesInContainer: number;
}

/** Reads, classifies and reports the exposure of every labelled resource of a system. */
export async function reportExposure(source: SystemSource, rules: ClassificationRules): Promise<ExposureReport> {
  const snapshot = await readClassified(source, rules);
  return buildExposureReport(snapshot, computeExposure(snapshot));
}

/** Names instead of ids, labels flattened: the report people and programs read. */
export function buildExposureReport(snapshot: Snapshot, exposure: Exposure): ExposureReport {
  const principalName = (id: string) => snapshot.principalById.get(id)?.name ?? id;
  const resourceName = (id: string) => snapshot.resourceById.get(id)?.name ?? id;
  const readers = new Set<string>();
  const resources = exposure.resources.map((entry): ResourceReport => {
    const labelledColumns: Record<string, string[]> = {};
    for (const column of entry.resource.columns)
      if (column.labels.length > 0) labelledColumns[column.name] = column.labels.map((l) => l.name).sort();
    return {
      resource: entry.resource.name,
      kind: entry.resource.kind,
      labels: labelNamesOf(entry.resource),
      labelledColumns,
      readers: entry.readers.map((reader) => {
        readers.add(reader.principal);
        return {
          principal: principalName(reader.principal),
          access: reader.access,
          ...(reader.columns === undefined ? {} : { columns: reader.columns }),
        };
      }),
      potentialReaders: entry.potential.map((path) => ({
        via: resourceName(path.routine),
        owner: principalName(path.owner),
        principals: path.principals.map(principalName),
      })),
    };
  });
  const latent = exposure.latent.map(
    (entry): LatentReport => ({
      creator: principalName(entry.grant.creator),
      ...(entry.grant.container === undefined ? {} : { container: resourceName(entry.grant.container) }),
      kind: entry.grant.kind,
      privilege: entry.grant.privilege,
      grantee: principalName(entry.grant.principal),
      principals: entry.principals.map(principalName),
      labelledResourcesInContainer: entry.labelledInContainer,
    }),
  );
  return {
    system: snapshot.system,
    source: snapshot.source,
    facts: snapshot.facts ?? {},
    resources,
    latent,
    summary: {
      resources: resources.length,
      loginPrincipals: snapshot.principals.filter((p) => p.login).length,
      readers: readers.size,
    },
  };
}
