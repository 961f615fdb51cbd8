/**
 * Labs for the UI: the built-in lab files (resources/labs) and running labs, whose live traces are
 * opened like captures so every view works on them while they grow.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  ApiError,
  Invoke,
  type InvokeReq,
  type LabDispatcherDto,
  type LabDto,
  type LabJoin,
  type LiveSourceDto,
  type MessageRow,
  type ScenarioInfo,
  type ScriptRunView,
  type ScriptWhy,
} from '../../shared/api';
import { runMadeMessage } from '../../shared/script-run';
import { loadScenario } from '../../sip-core/sim';
import { LabError, parseLab, startLab, type LabHandle, type LiveSource } from '../live';
import { RESOURCES_DIR, SIPP_DIR } from '../paths';
import { labJoin } from '../live/join';
import { routingScriptOf } from '../../sip-core/sim/scripts';
import { Proxy } from '../../sip-core/elements/proxy';

export const LAB_DIR = join(RESOURCES_DIR, 'labs');
const EVENTS_SHOWN = 300;

export function labLibrary(): ScenarioInfo[] {
  if (!existsSync(LAB_DIR)) return [];
  return readdirSync(LAB_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const l = loadScenario(readFileSync(join(LAB_DIR, f), 'utf8'));
      return {
        name: basename(f, '.yaml'),
        title: l.scenario?.title ?? '',
        description: (l.scenario?.description ?? '').trim(),
      };
    });
}

export function labText(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new ApiError('bad-request', `not a lab name: ${name}`);
  const f = join(LAB_DIR, `${name}.yaml`);
  if (!existsSync(f)) throw new ApiError('not-found', `no built-in lab named "${name}"`);
  return readFileSync(f, 'utf8');
}

export interface RunningLab {
  id: string;
  handle: LabHandle;
  captureId: string;
  running: boolean;
  /** The built-in lab file it was started from (its name in `lab:list`), null for a user's file. */
  builtin: string | null;
  /** The lab file's text as it was started, and its name. */
  yaml: string;
  fileName: string;
}

/** Starts a lab; a bad file or a port in use becomes an ApiError with the reason. */
export async function launchLab(o: { name?: string; yaml?: string; fileName?: string }): Promise<LabHandle> {
  const text = o.yaml ?? labText(o.name ?? '');
  try {
    return await startLab(parseLab(text, o.fileName ?? `${o.name ?? 'lab'}.yaml`), {});
  } catch (err) {
    if (err instanceof LabError) throw new ApiError('bad-request', err.message);
    const e = err as NodeJS.ErrnoException;
    throw new ApiError(
      'unreadable',
      e.code === 'EADDRINUSE' ? `an address of the lab is in use: ${e.message}` : e.message,
    );
  }
}

/**
 * Why the lab node that sent live message `row` sent it: its routing script and the runs of the
 * handling that sent it, for the message's Call-ID and request (null: none, or not a lab node's).
 */
export function labScriptWhy(h: LabHandle, row: MessageRow): ScriptWhy | null {
  const events = h.scriptRunsOf(row.frame - 1);
  if (!events.length) return null;
  const node = events[0]!.node;
  const text = scriptsOf(h).find((s) => s.node === node)?.text;
  if (text === undefined) return null;
  const runs: ScriptRunView[] = [];
  for (const e of events) {
    const run = runMadeMessage(e, row);
    if (run) runs.push(run);
  }
  return runs.length ? { node, text, runs } : null;
}

/** A lab's routing scripts, made once (its file does not change while it runs). */
const scripts = new WeakMap<LabHandle, { node: string; text: string }[]>();
function scriptsOf(h: LabHandle): { node: string; text: string }[] {
  let list = scripts.get(h);
  if (!list) {
    list = [];
    for (const n of h.lab.nodes) {
      const text = routingScriptOf(n);
      if (text !== null) list.push({ node: n.name, text });
    }
    scripts.set(h, list);
  }
  return list;
}

/** A lab's join hints, made once (its file and sockets do not change while it runs; the UI polls). */
const joins = new WeakMap<LabHandle, LabJoin>();
function joinOf(h: LabHandle): LabJoin {
  let j = joins.get(h);
  if (!j) joins.set(h, (j = labJoin(h.lab, h.listening, SIPP_DIR)));
  return j;
}

/** `lab:dtmf`: a phone of a running lab presses digits (LabHandle.dtmf; its refusals as bad requests). */
export function labDtmf(
  lab: RunningLab,
  r: InvokeReq<typeof Invoke.labDtmf>,
): { method: 'rfc4733' | 'info'; callId: string } {
  if (!lab.running) throw new ApiError('bad-request', 'the lab is stopped');
  try {
    return lab.handle.dtmf(r.node, r.digits, {
      ...(r.callId !== undefined && { callId: r.callId }),
      ...(r.method !== undefined && { method: r.method }),
      ...(r.durationMs !== undefined && { durationMs: r.durationMs }),
      ...(r.pauseMs !== undefined && { pauseMs: r.pauseMs }),
    });
  } catch (err) {
    if (err instanceof LabError) throw new ApiError('bad-request', err.message);
    throw err;
  }
}

export function labDto(lab: RunningLab): LabDto {
  const h = lab.handle;
  const events = h.events.slice(-EVENTS_SHOWN).map((e) => ({
    time: e.time / 1e6,
    node: e.node,
    kind: e.kind,
    text: e.text,
    // (a script run's statements: the console shows the lines it went through)
    ...(e.kind === 'script' && e.data ? { data: e.data } : {}),
  }));
  const registrations = lab.running ? h.locations() : [];
  return {
    id: lab.id,
    name: h.name,
    builtin: lab.builtin,
    yaml: lab.yaml,
    fileName: lab.fileName,
    title: h.lab.title ?? '',
    description: h.lab.description,
    teaches: h.lab.teaches ?? null,
    join: joinOf(h),
    captureId: lab.captureId,
    listening: h.listening.map((l) => ({ ...l, note: l.note ?? null })),
    running: lab.running,
    messages: h.live.total,
    dropped: h.live.dropped,
    events,
    scripts: scriptsOf(h),
    registrations,
    dispatcher: dispatcherOf(h),
    media: h.media(),
    stepErrors: [...h.stepErrors],
  };
}

/** The lab's balancers (proxies with a dispatcher list) and their destinations' states now. */
function dispatcherOf(h: LabHandle): LabDispatcherDto[] {
  const out: LabDispatcherDto[] = [];
  for (const [node, e] of h.elements)
    if (e instanceof Proxy && e.dispatcher !== null) out.push({ node, sets: e.dispatcher.snapshot() });
  return out;
}

export interface RunningLive {
  id: string;
  kind: LiveSourceDto['kind'];
  source: LiveSource;
  captureId: string;
  running: boolean;
}

export function liveDto(l: RunningLive): LiveSourceDto {
  return {
    id: l.id,
    kind: l.kind,
    name: l.source.name,
    captureId: l.captureId,
    listening: [...l.source.listening],
    running: l.running,
    messages: l.source.live.total,
    dropped: l.source.live.dropped,
    stats: { ...l.source.stats },
  };
}
