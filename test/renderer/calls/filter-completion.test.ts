import { describe, expect, it } from 'vitest';
import { FIELDS, FIELD_VALUES } from '../../../src/shared/filter-fields';
import { applyCompletion, completions } from '../../../src/renderer/src/lib/calls/filter-completion';

const at = (text: string): ReturnType<typeof completions> => completions(text, text.length);
const labels = (text: string): string[] => at(text).map((c) => c.label);

describe('filter completion', () => {
  it('offers field names from the language catalogue, prefix matches first, with a description', () => {
    expect(labels('call.st')).toEqual(['call.state', 'call.start']);
    const state = at('call.st').find((c) => c.label === 'call.state')!;
    expect(state.detail).toBe(`string · ${FIELDS['call.state']!.description}`);
    // A word inside a dotted name matches too, after the prefix matches.
    expect(labels('pdd')).toEqual(['call.pdd']);
    expect(labels('sip.hea')).toEqual(['sip.headers', 'sip.header.']);
    // Every field is reachable.
    for (const f of Object.keys(FIELDS)) expect(labels(f.slice(0, -1))).toContain(f);
  });

  it('offers fields only where a field may stand', () => {
    expect(labels('').length).toBe(12);
    expect(labels('call.state == "busy" && ca')).toContain('call.state');
    expect(labels('call.state == "busy" || !(sip.m')).toEqual(['sip.method', 'sip.max_forwards']);
    expect(labels('call.state == "busy" and cal')).toContain('call.pdd');
    expect(labels('call.pdd > 1')).toEqual([]);
    expect(labels('call.state == "busy" ')).toEqual([]);
    expect(labels('call.state')).toEqual([]);
  });

  it('offers the values of call.state, call.type, methods and transports', () => {
    expect(labels('call.state == ')).toEqual(FIELD_VALUES['call.state']);
    expect(labels('call.state == "b')).toEqual(['busy']);
    expect(labels('call.state != re')).toEqual(['rejected', 'redirected']);
    expect(labels('sip.method == "IN')).toEqual(['INVITE', 'INFO']);
    expect(labels('sip.method eq inv')).toEqual(['INVITE']);
    expect(labels('frame.transport == "t')).toEqual(['TCP', 'TLS']);
    expect(labels('call.pdd == ')).toEqual([]);
    // Object.prototype names are not fields with values
    expect(labels('constructor == ')).toEqual([]);
    expect(labels('__proto__ == ')).toEqual([]);
  });

  it('inserts a field with a space and a value quoted, replacing the partial word', () => {
    const f = at('call.st').find((c) => c.label === 'call.state')!;
    expect(applyCompletion('call.st', f)).toEqual({ text: 'call.state ', caret: 11 });
    const v = at('call.state == "bu')[0]!;
    expect(applyCompletion('call.state == "bu', v)).toEqual({ text: 'call.state == "busy"', caret: 20 });
    // In the middle of an expression: the rest of the word is replaced, the tail kept.
    const text = 'sip.me && call.pdd > 1';
    const c = completions(text, 4).find((x) => x.label === 'sip.method')!;
    expect(applyCompletion(text, c).text).toBe('sip.method  && call.pdd > 1');
    const t2 = 'call.state == "bu"&& x';
    const c2 = completions(t2, 17)[0]!;
    expect(applyCompletion(t2, c2).text).toBe('call.state == "busy" && x');
  });

  it('knows the same call states the analysis uses', async () => {
    const { CALL_STATES } = await import('../../../src/sip-core/analysis/call/call');
    expect([...FIELD_VALUES['call.state']!].sort()).toEqual([...CALL_STATES].sort());
  });
});
