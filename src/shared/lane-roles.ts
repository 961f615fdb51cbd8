/**
 * What a ladder lane is (caller, callee, proxy, B2BUA, registrar, user agent) and how its name reads.
 * One definition, used by the core's role inference (src/sip-core/analysis/ladder/roles.ts) and its
 * exports, and by the UI's ladder, so a lane reads the same on screen and in an exported diagram.
 */

export type LaneRoleKind = 'caller' | 'callee' | 'proxy' | 'b2bua' | 'registrar' | 'ua';

export interface LaneRole {
  /** `host:port` as the ladder's lanes name it. */
  address: string;
  role: LaneRoleKind;
  /** The user part of the caller's From or the callee's To (a REGISTER's To for a UA), null when none. */
  user: string | null;
  /** `User-Agent` or `Server`, null when the lane sent neither. */
  agent: string | null;
}

/**
 * How a lane's role reads: `caller · alice`, `proxy`, `callee · bob`, `registrar`, `B2BUA`, `UA`. The
 * role first: a narrow lane box cuts the end of a long user (`caller · 12675941249_Uclx8s…`), not the
 * role.
 */
export function roleLabel(r: Pick<LaneRole, 'role' | 'user'>): string {
  const word = r.role === 'b2bua' ? 'B2BUA' : r.role === 'ua' ? 'UA' : r.role;
  return r.user ? `${word} · ${r.user}` : word;
}
