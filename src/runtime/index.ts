export { type Config, loadConfig, parseConfig } from './config.ts';
export { openDemoSystem } from './demo/open-demo.ts';
export { seedDemoHistory } from './demo/seed-history.ts';
export { locateStore, openConfiguredStore, type StoreLocation, type StoreSelector } from './open-store.ts';
export {
  DEMO_SYSTEM,
  type OpenedSystem,
  openSystem,
  type RuntimeContext,
  resolvePolicy,
  type SystemSelector,
} from './open-system.ts';
export { defaultPolicy, loadPolicy, parsePolicy } from './policy-file.ts';
export { postgresSource } from './postgres-source.ts';
export { openSystemRegistry } from './system-registry.ts';
