import { compileClassification, type SystemRegistry, type SystemSource } from '../app/index.ts';
import { type ClassificationRules, FirebreakError } from '../core/index.ts';
import { openDemoSystem } from './demo/open-demo.ts';
import { DEMO_SYSTEM, loadConfigFor, openSystem, type RuntimeContext } from './open-system.ts';

/**
 * Opens the systems of the configuration (and the demo) on first use and keeps them open: a
 * server answers many questions about the same few systems.
 */
export async function openSystemRegistry(
  selector: { readonly config?: string; readonly demoOnly?: boolean },
  context: RuntimeContext,
): Promise<SystemRegistry> {
  const loaded = selector.demoOnly === true ? undefined : await loadConfigFor(selector, context, true);
  const configured = Object.keys(loaded?.config.systems ?? {});
  const names = configured.includes(DEMO_SYSTEM) ? configured : [...configured, DEMO_SYSTEM];
  const open = new Map<string, Promise<{ source: SystemSource; rules: ClassificationRules }>>();
  return {
    names: () => names,
    open(name) {
      if (!names.includes(name))
        return Promise.reject(new FirebreakError('not_found', `no system "${name}" (systems: ${names.join(', ')})`));
      let opening = open.get(name);
      if (opening === undefined) {
        opening = (async () => {
          const opened =
            selector.demoOnly === true
              ? { source: await openDemoSystem(), classification: { labels: [] } }
              : await openSystem(
                  { system: name, ...(selector.config === undefined ? {} : { config: selector.config }) },
                  context,
                );
          const rules = compileClassification(opened.classification);
          if (!rules.ok) {
            await opened.source.close();
            throw new FirebreakError('invalid_config', rules.error);
          }
          return { source: opened.source, rules: rules.value };
        })();
        // A system that failed to open is tried again next time.
        opening.catch(() => open.delete(name));
        open.set(name, opening);
      }
      return opening;
    },
    async close() {
      const all = await Promise.allSettled(open.values());
      open.clear();
      for (const result of all) if (result.status === 'fulfilled') await result.value.source.close();
    },
  };
}
