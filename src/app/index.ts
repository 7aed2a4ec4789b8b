export * from './classification.ts';
export * from './explain-report.ts';
export * from './exposure-report.ts';
export * from './extract-sql.ts';
export type { SystemSource } from './ports.ts';
export { readClassified } from './read-classified.ts';
