/**
 * Diagnostics: the one shape every layer uses to say what is wrong with its input.
 * @remarks STYLE.md habit 6 — wire input never throws; decoders return a partial result plus located
 * diagnostics. Codes are stable identifiers (like Wireshark expert info); never rename one.
 */

/** A half-open byte range `[start, end)` in the buffer the diagnostic is about. */
export interface Span {
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning' | 'info';

/** The layer of the ingest pipeline (STYLE.md habit 8) or analysis that produced a diagnostic. */
export type Layer =
  'file' | 'link' | 'ip' | 'tcp' | 'udp' | 'sctp' | 'ws' | 'hep' | 'sip' | 'sdp' | 'analysis';

export interface Diagnostic {
  /** Stable identifier, kebab-case, e.g. `content-length-mismatch`. */
  code: string;
  severity: Severity;
  layer: Layer;
  /** One human sentence: what is wrong, with the offending value where it helps. */
  message: string;
  /** RFC reference, e.g. `3261 §20.14`. */
  rfc?: string;
  /** Where in the message (or file) the problem is. */
  span?: Span;
  /** For file-level diagnostics: absolute byte offset in the file. */
  offset?: number;
}
