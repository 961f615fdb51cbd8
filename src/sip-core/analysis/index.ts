/**
 * The analysis layer: transactions, dialogs, calls (B2BUA legs joined), retransmissions, hops,
 * paths, diagnostics, filters, ladder model and exports. Attach it to a trace with `analyzeTrace`.
 */
export {
  TraceAnalyzer,
  analyzeTrace,
  type CallSummary,
  type TransactionJson,
  type DialogJson,
  type Retransmission,
} from './analyzer';
export {
  ANALYSIS_RULES,
  RULES_BY_CODE,
  analysisDiagnostic,
  type AnalysisRule,
  type AnalysisDiagnostic,
} from './rules';
export type { CallState, CallType, CallLink } from './call/call';
export { CALL_STATES } from './call/call';
export { summarizeSdp, type SdpSummary } from './sdp-summary';
export { analysisOnAppend } from './analyzer';
export { Tier1Analysis, tier1OnAppend, TIER1_CODES, TIER1_LAZY_CODES, type Tier1Call } from './tier1';
export { TieredAnalysis, groupAnalyzer, type Tier2Options } from './tiered';
export { compileFilter, filterMessages, type CompiledFilter, type CompileResult } from './filter/filter';
export { FIELDS, type FieldInfo } from './filter/fields';
export { parseFilter, type FilterError, type FilterNode } from './filter/parse';
export {
  queryCalls,
  callMessageIds,
  type CallQuery,
  type CallPage,
  type CallPageResult,
  type CallSortKey,
} from './query';
export { ladderModel, type LadderModel, type LadderArrow, type LadderLane } from './ladder/model';
export {
  renderLadder,
  ladderText,
  ladderMermaid,
  ladderPlantUml,
  ladderSvg,
  LADDER_FORMATS,
  type LadderFormat,
} from './ladder/render';
export { callsCsv, CALL_CSV_COLUMNS } from './export/csv';
export {
  callHops,
  hopChanges,
  messagePath,
  type Hop,
  type HopStep,
  type HopChange,
  type HopChangeKind,
  type MessagePath,
  type RouteEntry,
} from './hops';
