export { type Actor, formatActor, parseActor } from './actor.ts';
export {
  type AnalysedStatement,
  analyseChange,
  type ChangeAnalysis,
  type ChangePiece,
  type Verification,
} from './analyse-change.ts';
export * from './approvals.ts';
export { type CheckRequest, changeHashOf, checkChange } from './check-change.ts';
export * from './check-report.ts';
export * from './classification.ts';
export { activationOf, decideChange } from './decide.ts';
export * from './explain-report.ts';
export * from './exposure-report.ts';
export * from './extract-sql.ts';
export * from './hold-change.ts';
export * from './identity.ts';
export { toOcsf } from './ocsf.ts';
export type {
  ChangeAnalyzer,
  ChangeInterpretation,
  SandboxOutcome,
  StatementAnalysis,
  SystemRegistry,
  SystemSource,
} from './ports.ts';
export { readClassified } from './read-classified.ts';
export { recordApprovalRefusal } from './refuse-approval.ts';
export * from './store-port.ts';
