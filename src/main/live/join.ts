/**
 * How to join a running lab from outside: the servers a softphone registers with and calls through
 * (address, transport, domain, credentials), and SIPp command lines that do it — a phone that
 * answers (resources/sipp/answer.xml), its registration (register.xml) and a call to it (call.xml)
 * through the first server that keeps a location service. Shown in the Lab area and printed by
 * `sipscope lab`; the interop tests run these very commands against a lab.
 */
import { join } from 'node:path';
import type { NodeSpec, Scenario } from '../../sip-core/sim';
import { nodeScriptSource } from '../../sip-core/sim/scripts';
import { splitAddress } from '../../sip-core/sim/steps';
import type { LabJoin, LabJoinServer } from '../../shared/api';
import { shellLine } from '../../shared/shell-line';
import type { LabListen } from './lab';

export type { LabJoin, LabJoinCommand, LabJoinServer } from '../../shared/api';

/** The routing script a proxy or registrar node runs ('' for an unknown builtin). */
const scriptOf = (n: NodeSpec): string => nodeScriptSource(n) ?? '';

/** True when a node's script saves REGISTER bindings (`save("location")`). */
function registers(n: NodeSpec): boolean {
  return (n.role === 'proxy' || n.role === 'registrar') && /\bsave\s*\(/.test(scriptOf(n));
}

/** The loopback address a SIPp on this machine binds to reach `host`. */
function localFor(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/**
 * What a user needs to join a lab: its registering servers (as they listen now: a port 0 in the file
 * is the port the socket got) and, for the first of them, SIPp command lines using the scenario files
 * in `sippDir`. The SIPp ports are the first free ones from 5071 on the server's host that no lab
 * socket uses.
 */
export function labJoin(
  lab: Scenario,
  listening: readonly LabListen[],
  sippDir: string,
  /** The SIPp phone's, registration's and caller's local ports (tests pass free ones). */
  ports?: readonly [number, number, number],
): LabJoin {
  const servers: LabJoinServer[] = [];
  // SIPp registers a phone and calls it through the first element whose script also looks bindings
  // up (a registrar-only element answers other requests with 405).
  let s: LabJoinServer | null = null;
  for (const n of lab.nodes) {
    if (!registers(n)) continue;
    const l = listening.find((x) => x.node === n.name && x.role === n.role);
    if (!l) continue;
    const { host } = splitAddress(l.address, 5060);
    const users = Object.entries(n.users ?? {});
    const server: LabJoinServer = {
      node: n.name,
      role: n.role,
      transport: l.transport,
      address: l.address,
      domain: n.domains?.[0] ?? host,
      credentials: users.length ? { user: users[0]![0], password: users[0]![1] } : null,
    };
    servers.push(server);
    if (!s && /\blookup\s*\(/.test(scriptOf(n))) s = server;
  }
  if (!s) return { servers, sipp: [] };
  const { host } = splitAddress(s.address, 5060);
  const local = localFor(host);
  const used = new Set(
    listening.flatMap((l) => {
      try {
        const a = splitAddress(l.address, 5060);
        return a.host === local ? [a.port] : [];
      } catch {
        return []; // a NAT row ("inside → public"), not a socket of this host
      }
    }),
  );
  const free: number[] = [];
  for (let p = 5071; !ports && free.length < 3 && p < 65536; p++) if (!used.has(p)) free.push(p);
  const [phone, reg, caller] = ports ?? (free as [number, number, number]);
  // The SIPp phone's user: the server's credentials, else a name no UA of the lab has.
  const taken = new Set(lab.nodes.map((n) => /^sips?:([^@;>]+)@/i.exec(n.aor ?? '')?.[1]?.toLowerCase()));
  const user =
    s.credentials?.user ?? ['bob', 'carol', 'dave', 'erin', 'frank'].find((u) => !taken.has(u)) ?? 'sipp';
  const transport = s.transport === 'TCP' ? ['-t', 't1'] : [];
  const at = (p: number): string => (local.includes(':') ? `[${local}]:${p}` : `${local}:${p}`);
  const common = (p: number): string[] => ['-i', local, '-p', String(p), ...transport, '-m', '1'];
  const file = (name: string): string => join(sippDir, name);
  return {
    servers,
    sipp: [
      {
        title: `${user}'s phone: answers one call (start it first)`,
        argv: ['sipp', '-sf', file('answer.xml'), ...common(phone)],
      },
      {
        title: `Register ${user}@${s.domain} at ${s.node}, Contact = that phone`,
        argv: [
          'sipp',
          '-sf',
          file('register.xml'),
          '-s',
          user,
          '-set',
          'domain',
          s.domain,
          '-set',
          'contact',
          at(phone),
          ...(s.credentials ? ['-au', s.credentials.user, '-ap', s.credentials.password] : []),
          ...common(reg),
          s.address,
        ],
      },
      {
        title: `Call ${user}@${s.domain} through ${s.node}`,
        argv: [
          'sipp',
          '-sf',
          file('call.xml'),
          '-s',
          user,
          '-set',
          'domain',
          s.domain,
          ...common(caller),
          s.address,
        ],
      },
    ],
  };
}

/** The join hints as text lines (`sipscope lab` prints them after the listening table). */
export function joinText(j: LabJoin): string {
  const out: string[] = [];
  for (const s of j.servers)
    out.push(
      `register with ${s.node} at ${s.address} (${s.transport}), domain ${s.domain}` +
        (s.credentials ? `, user ${s.credentials.user} password ${s.credentials.password}` : ''),
    );
  if (j.sipp.length) {
    out.push('with SIPp, in three terminals:');
    for (const c of j.sipp) out.push(`  # ${c.title}`, `  ${shellLine(c.argv)}`);
  }
  return out.join('\n');
}
