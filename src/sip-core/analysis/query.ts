/**
 * Page-shaped queries the UI asks the core (ARCHITECTURE.md: the renderer never receives a whole
 * trace): a page of calls, sorted and filtered here; the message ids of one call.
 */
import type { CallSummary, TraceAnalyzer } from './analyzer';
import { compileFilter } from './filter/filter';
import type { FilterError } from './filter/parse';

export type CallSortKey =
  | 'start'
  | 'end'
  | 'duration'
  | 'pdd'
  | 'setupTime'
  | 'state'
  | 'from'
  | 'to'
  | 'finalStatus'
  | 'messages'
  | 'diagnostics'
  | 'type'
  | 'id';

export interface CallQuery {
  offset?: number;
  limit?: number;
  /** A key, `-key` for descending (default `start`). */
  sort?: CallSortKey | `-${CallSortKey}`;
  /** A filter expression (see docs/filters.md); call.* fields and "any message of the call" for the rest. */
  filter?: string;
}

export interface CallPage {
  /** Calls that match the filter, before paging. */
  total: number;
  offset: number;
  calls: CallSummary[];
}

export type CallPageResult = ({ ok: true } & CallPage) | { ok: false; error: FilterError };

function sortValue(c: CallSummary, key: CallSortKey): string | number {
  switch (key) {
    case 'id':
      return Number(c.id.slice(1));
    case 'from':
      return c.from ?? '';
    case 'to':
      return c.to ?? '';
    case 'state':
    case 'type':
      return c[key];
    case 'finalStatus':
      return c.finalStatus ?? 0;
    default: {
      const v = c[key];
      return typeof v === 'number' ? v : -1;
    }
  }
}

/** One page of the calls list, filtered and sorted in the core. */
export function queryCalls(a: TraceAnalyzer, q: CallQuery = {}): CallPageResult {
  let roots = a.callRoots();
  if (q.filter && q.filter.trim() !== '') {
    const c = compileFilter(q.filter);
    if (!c.ok) return c;
    roots = roots.filter((r) => c.filter.matchCall(a, r));
  }
  const sort = q.sort ?? 'start';
  const desc = sort.startsWith('-');
  const key = (desc ? sort.slice(1) : sort) as CallSortKey;
  let summaries = roots.map((r) => a.callSummary(r));
  if (key !== 'start' || desc) {
    const dir = desc ? -1 : 1;
    summaries = summaries
      .map((s, i) => ({ s, i, v: sortValue(s, key) }))
      .sort((x, y) => (x.v < y.v ? -dir : x.v > y.v ? dir : x.i - y.i))
      .map((x) => x.s);
  }
  const offset = Math.max(0, q.offset ?? 0);
  const limit = Math.max(0, q.limit ?? 100);
  return { ok: true, total: summaries.length, offset, calls: summaries.slice(offset, offset + limit) };
}

/** Message ids of a call (`C3` or any of its Call-IDs), in trace order; empty when unknown. */
export function callMessageIds(a: TraceAnalyzer, call: string): number[] {
  const r = a.resolveCall(call);
  return r < 0 ? [] : a.callMessageIds(r);
}
