export { type Interpretation, interpretSql, MAX_SCRIPT_LENGTH, type StatementEffect } from './interpret.ts';
export { loadParser } from './parse.ts';
