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
