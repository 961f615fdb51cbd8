/**
 * A simulation's or lab's lanes named by node: each node's address (with the default port 5060 when
 * it has none), and a NAT's public side one lane per mapped port (`Home NAT :20000`), named by the
 * box. One rule for the scenario player (renderer) and a simulation opened as a capture (main).
 */
export interface NamedNode {
  name: string;
  address: string;
  /** A NAT's public address. */
  public: string | null;
}

/** Lane names by address for the nodes, and for the NAT public addresses among `addresses`. */
export function laneNamesOf(
  nodes: readonly NamedNode[],
  addresses: Iterable<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const publicOf: Record<string, string> = {};
  for (const n of nodes) {
    out[n.address] = n.name;
    if (!n.address.includes(':')) out[`${n.address}:5060`] = n.name;
    if (n.public) publicOf[n.public] = n.name;
  }
  if (Object.keys(publicOf).length)
    for (const a of addresses) {
      if (out[a]) continue;
      const colon = a.lastIndexOf(':');
      const box = colon > 0 ? publicOf[a.slice(0, colon).replace(/^\[|\]$/g, '')] : undefined;
      if (box) out[a] = `${box} :${a.slice(colon + 1)}`;
    }
  return out;
}
