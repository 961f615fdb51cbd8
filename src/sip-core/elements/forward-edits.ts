/**
 * The usual edits of a request a proxy forwards (RFC 3261 §16.6: Max-Forwards decremented, our
 * Record-Route added, the received top Via given its received/rport, the top Route consumed by loose
 * routing, the Request-URI rewritten, our Via on top) kept as a few numbers and lines instead of a
 * {@link MessagePatch}, and written straight from the received bytes with one splice list: the same
 * bytes the patch writes for those edits (same insertion points and order), without the patch's
 * records, name lookups and field scans per edit. Any other edit turns them into a MessagePatch
 * ({@link ForwardEdits.replayInto}), which then carries on.
 * @remarks STYLE.md habit 5 (edits are patches applied at serialization).
 */
import type { SipMessage } from '../message';
import {
  type MessagePatch,
  SPLICE_CHANGE,
  SPLICE_INSERT,
  SPLICE_TOP_VIA,
  addSplice,
  beginSplices,
  lineEnd,
  lineStart,
  writeSplices,
} from './message-patch';
import { FieldIndex, K_MAX_FORWARDS, K_RECORD_ROUTE, K_ROUTE, K_VIA } from './msg-index';

const enc = new TextEncoder();
const CRLF = enc.encode('\r\n');
const SMALL_NUMBERS: readonly string[] = Array.from({ length: 71 }, (_, i) => String(i));
const layoutFields = new FieldIndex();

/** Not located yet / located and usable / a MessagePatch holds the edits (or the request does not fit). */
const UNSCANNED = 0;
const FAST = 1;
const PATCH = 2;

/** Rejects CR/LF in generated text (what MessagePatch's setRequestUri and toBytes do). */
function clean(s: string): string {
  return s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]+[ \t]*/g, ' ') : s;
}

export class ForwardEdits {
  private state = UNSCANNED;
  /** Where the edits go (offsets in the received bytes; -1: no such field). */
  private headStart = 0;
  private mfVs = -1;
  private mfVe = -1;
  private mfValue = -1;
  private viaLs = -1;
  private viaLe = -1;
  private viaComma = false;
  private via2Ls = -1;
  private rrLs = -1;
  private routeLs = -1;
  private routeLe = -1;
  private routeComma = false;
  /** The edits: Max-Forwards' new value (-1: unchanged), our Record-Route line, the new top Via line, top Route removed. */
  private mfNew = -1;
  private rrLine: Uint8Array | null = null;
  private viaLine: Uint8Array | null = null;
  private routeDropped = false;

  constructor(readonly msg: SipMessage) {}

  /** True while the edits are kept here (a MessagePatch has not taken over). */
  private usable(): boolean {
    if (this.state === UNSCANNED) this.locate();
    return this.state === FAST;
  }

  /** One pass over the parser's index: the fields the usual edits touch. */
  private locate(): void {
    const m = this.msg;
    this.state = PATCH;
    // a Content-Length that is off, or no Request-URI: the patch knows what to do
    if (m.kind !== 'request' || m.requestUriSpan === null) return;
    if (m.contentLength === null || m.contentLength !== m.bodyLength) return;
    const raw = m.raw;
    const fx = layoutFields.of(m);
    const n = fx.count;
    let mfCount = 0;
    for (let i = 0; i < n; i++) {
      switch (fx.id(i)) {
        case K_MAX_FORWARDS:
          if (mfCount++ === 0) {
            this.mfVs = fx.vs(i);
            this.mfVe = fx.ve(i);
          }
          break;
        case K_VIA:
          if (this.viaLs < 0) {
            const vs = fx.vs(i);
            const ve = fx.ve(i);
            this.viaLs = lineStart(raw, vs);
            this.viaLe = lineEnd(raw, ve);
            this.viaComma = hasComma(raw, vs, ve);
          } else if (this.via2Ls < 0) this.via2Ls = lineStart(raw, fx.vs(i));
          break;
        case K_RECORD_ROUTE:
          if (this.rrLs < 0) this.rrLs = lineStart(raw, fx.vs(i));
          break;
        case K_ROUTE:
          if (this.routeLs < 0) {
            const vs = fx.vs(i);
            const ve = fx.ve(i);
            this.routeLs = lineStart(raw, vs);
            this.routeLe = lineEnd(raw, ve);
            this.routeComma = hasComma(raw, vs, ve);
          }
          break;
      }
    }
    // one Max-Forwards of plain digits (anything else: the patch's parsing and rewriting)
    if (mfCount > 1) return;
    if (mfCount === 1) {
      let v = 0;
      const s = this.mfVs;
      const e = this.mfVe;
      if (e <= s || e - s > 9) return;
      for (let i = s; i < e; i++) {
        const c = raw[i]! - 48;
        if (c < 0 || c > 9) return;
        v = v * 10 + c;
      }
      this.mfValue = v;
    }
    // the header section starts after the start line's LF (MessagePatch.bounds)
    let hs = m.startLineSpan.end;
    while (hs < raw.length && raw[hs] !== 10) hs++;
    this.headStart = Math.min(hs + 1, m.bodyStart);
    this.state = FAST;
  }

  /** §16.6 step 3: decrement Max-Forwards (true when kept here; false: use the patch). */
  decrementMaxForwards(): boolean {
    if (!this.usable() || this.mfValue < 0 || this.mfNew >= 0) return false;
    this.mfNew = Math.max(0, this.mfValue - 1);
    return true;
  }

  /** §16.6 step 4: our Record-Route line (with CRLF) on top (false: use the patch). */
  addRecordRoute(line: Uint8Array): boolean {
    // a Record-Route after the Via line would go in another order: the patch keeps that order
    if (!this.usable() || this.rrLine !== null || this.viaLine !== null) return false;
    this.rrLine = line;
    return true;
  }

  /** The received top Via, a field of one value, replaced by `line` (with CRLF) (false: use the patch). */
  replaceTopVia(line: Uint8Array): boolean {
    if (!this.usable() || this.viaLs < 0 || this.viaComma || this.viaLine !== null) return false;
    this.viaLine = line;
    return true;
  }

  /** §16.4: the top Route, a field of one value, removed (false: use the patch). */
  removeTopRoute(): boolean {
    if (!this.usable() || this.routeLs < 0 || this.routeComma || this.routeDropped) return false;
    this.routeDropped = true;
    return true;
  }

  /**
   * The edits made so far applied to `patch`, in the order they were made (Record-Route before the
   * Via line, as kept here); from now on the patch holds them.
   */
  replayInto(patch: MessagePatch): void {
    if (this.state === FAST) {
      if (this.mfNew >= 0) patch.decrementMaxForwards();
      if (this.rrLine !== null) patch.addHeaderBytes('Record-Route', this.rrLine, 'top');
      if (this.viaLine !== null) {
        patch.removeFirstValue('via');
        patch.addHeaderBytes('Via', this.viaLine, 'top');
      }
      if (this.routeDropped) patch.removeFirstValue('route');
    }
    this.drop();
  }

  /** Lets go of the edits (the patch, if any, holds them, or they are no longer wanted). */
  drop(): void {
    this.state = PATCH;
    this.rrLine = null;
    this.viaLine = null;
  }

  /**
   * The request with the edits, Request-URI `uri` (`receivedUri`: the one it came with) and our Via
   * (`viaHead` then `branch`, RFC 3261 §16.6 step 8) on top; null when a patch holds the edits.
   */
  toBytes(uri: string, receivedUri: string | null, viaHead: Uint8Array, branch: string): Uint8Array | null {
    if (!this.usable()) return null;
    const m = this.msg;
    beginSplices();
    if (uri !== receivedUri) {
      const sp = m.requestUriSpan!;
      addSplice(sp.start, sp.end, SPLICE_CHANGE, clean(uri));
    }
    if (this.mfNew >= 0)
      addSplice(
        this.mfVs,
        this.mfVe,
        SPLICE_CHANGE,
        this.mfNew <= 70 ? SMALL_NUMBERS[this.mfNew]! : String(this.mfNew),
      );
    const via = this.viaLine;
    if (via !== null) addSplice(this.viaLs, this.viaLe, SPLICE_CHANGE, '');
    if (this.routeDropped) addSplice(this.routeLs, this.routeLe, SPLICE_CHANGE, '');
    // the inserted lines as the patch orders them: by offset, then newest top insertion first; the
    // new Via line goes where the first Via field left is (the second one), else atop the section
    const viaAt = this.via2Ls >= 0 ? this.via2Ls : this.headStart;
    // (splices at one offset keep the order they are added in: the Via line, then Record-Route)
    const rr = this.rrLine;
    const rrAt = this.rrLs >= 0 ? this.rrLs : this.headStart;
    if (via !== null) addSplice(viaAt, viaAt, SPLICE_INSERT, via);
    if (rr !== null) addSplice(rrAt, rrAt, SPLICE_INSERT, rr);
    const topAt = via !== null ? viaAt : this.viaLs >= 0 ? this.viaLs : this.headStart;
    addSplice(topAt, topAt, SPLICE_TOP_VIA, viaHead);
    addSplice(topAt, topAt, SPLICE_TOP_VIA, clean(branch));
    addSplice(topAt, topAt, SPLICE_TOP_VIA, CRLF);
    return writeSplices(m, m.bodyStart + m.bodyLength);
  }
}

/** True when raw[s, e) holds a comma (what MessagePatch tests before removing a first value). */
function hasComma(raw: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (raw[i] === 44) return true;
  return false;
}
