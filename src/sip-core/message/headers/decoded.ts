/**
 * The result shape of every typed header decoder.
 * @remarks STYLE.md habit 6 — wire input never throws: a decoder returns what it could read
 * (`value`, or `null` when nothing usable was found) plus located diagnostics. Spans are offsets
 * within the value string that was passed in; the caller rebases them onto the message.
 */
import type { Diagnostic, Layer, Severity, Span } from '../../diagnostic';

export interface Decoded<T> {
  value: T | null;
  diagnostics: Diagnostic[];
}

/**
 * The diagnostics of a clean result of the octet fast paths (`parseViaSpan`, `parseNameAddrSpan` ...):
 * one shared, frozen empty list instead of a new array per header value (a typed parse makes a dozen
 * per message). Frozen, so a caller that adds to a result's list fails loudly instead of adding to
 * every clean result; the general decoders return lists of their own.
 */
export const NO_DIAGNOSTICS: Diagnostic[] = Object.freeze([]) as unknown as Diagnostic[];

/**
 * Where the bare octet decoders of the full typed parse (`viaSpanValue`, `nameAddrSpanValue` ...: the
 * value itself, no `Decoded` wrapper per field) leave the diagnostics of their last value:
 * {@link NO_DIAGNOSTICS} when it is clean. Read right after the call (typed.ts).
 */
export const bareOut: { diags: Diagnostic[] } = { diags: NO_DIAGNOSTICS };

/** Builds a diagnostic; a small helper so decoders stay one line per finding. */
export function diag(
  code: string,
  message: string,
  rfc: string | undefined,
  span?: Span,
  severity: Severity = 'error',
  layer: Layer = 'sip',
): Diagnostic {
  const d: Diagnostic = { code, severity, layer, message };
  if (rfc !== undefined) d.rfc = rfc;
  if (span !== undefined) d.span = span;
  return d;
}

/** Shifts every span in `diags` by `delta` (used when a sub-decoder worked on a substring). */
export function rebase(diags: Diagnostic[], delta: number): Diagnostic[] {
  if (delta !== 0) {
    for (const d of diags) {
      if (d.span) d.span = { start: d.span.start + delta, end: d.span.end + delta };
    }
  }
  return diags;
}
