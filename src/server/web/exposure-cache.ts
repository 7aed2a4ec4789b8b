import { reportExposure, type SystemRegistry } from '../../app/index.ts';

/** A system's labelled resources with their reader counts, as the overview shows them. */
export interface ExposureSummary {
  readonly system: string;
  readonly readAt: string;
  readonly loginPrincipals: number;
  readonly readers: number;
  readonly resources: readonly {
    readonly resource: string;
    readonly kind: string;
    readonly labels: readonly string[];
    readonly readers: number;
    readonly full: number;
    readonly filtered: number;
    readonly columns: number;
    /** Principals who can run code that reads it with its owner's rights. */
    readonly viaCode: number;
  }[];
}

/**
 * Reading a system's exposure can take seconds (the demo builds a warehouse), so the overview
 * shows only what was read already, and a system's page reads it again on demand. Concurrent
 * reads of one system share one run.
 */
export interface ExposureCache {
  latest(system: string): ExposureSummary | undefined;
  read(system: string): Promise<ExposureSummary>;
}

export function createExposureCache(systems: SystemRegistry, clock: () => Date): ExposureCache {
  const latest = new Map<string, ExposureSummary>();
  const running = new Map<string, Promise<ExposureSummary>>();

  const readNow = async (system: string): Promise<ExposureSummary> => {
    const { source, rules } = await systems.open(system);
    const report = await reportExposure(source, rules);
    const summary: ExposureSummary = {
      system,
      readAt: clock().toISOString(),
      loginPrincipals: report.summary.loginPrincipals,
      readers: report.summary.readers,
      resources: report.resources.map((r) => ({
        resource: r.resource,
        kind: r.kind,
        labels: r.labels,
        readers: r.readers.length,
        full: r.readers.filter((x) => x.access === 'full').length,
        filtered: r.readers.filter((x) => x.access === 'filtered').length,
        columns: r.readers.filter((x) => x.access === 'columns').length,
        viaCode: new Set(r.potentialReaders.flatMap((p) => p.principals)).size,
      })),
    };
    latest.set(system, summary);
    return summary;
  };

  return {
    latest: (system) => latest.get(system),
    read(system) {
      const current = running.get(system);
      if (current !== undefined) return current;
      const run = readNow(system).finally(() => running.delete(system));
      running.set(system, run);
      return run;
    },
  };
}
