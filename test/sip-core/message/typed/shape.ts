/**
 * A typed value as a plain object, the way its readers see it: since session 10 the decoders return
 * class values (`ViaValue`, `NameAddrValue`, `SipUriValue`) whose `span` and `params` are getters made
 * from stored offsets, and `toEqual` compares own fields only. `shapeOf` reads every public field
 * through the value's `toJSON` (each one, `span` and `params` included), recursively, so a comparison
 * of shapes compares every value a reader can read — the shape the decoders built before session 10.
 */
export function shapeOf(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(shapeOf);
  const j = (v as { toJSON?: () => unknown }).toJSON;
  const o = typeof j === 'function' ? (j.call(v) as Record<string, unknown>) : (v as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) out[k] = shapeOf(o[k]);
  return out;
}
