/**
 * Validation of every invoke request before the host acts on it. Both adapters (Electron IPC and the
 * browser-mode WebSocket) pass requests through `validateRequest`, so the host only ever sees
 * well-formed, typed payloads.
 */
import {
  ApiError,
  Invoke,
  isInvokeChannel,
  type CallSortField,
  type InvokeChannel,
  type InvokeReq,
} from './api';

type Check = (req: unknown) => string | null;

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const CALL_SORT_FIELDS: readonly string[] = [
  'start',
  'from',
  'to',
  'state',
  'finalStatus',
  'pdd',
  'setupTime',
  'duration',
  'messages',
  'legs',
  'src',
  'dst',
  'diagnostics',
  'rtp',
  'dtmf',
] satisfies CallSortField[];

/** Scenario YAML sent from the editor. */
const MAX_YAML = 1024 * 1024;
/** A TLS key log's text (a browser's can hold thousands of sessions: ~200 octets each). */
const MAX_KEYLOG = 16 * 1024 * 1024;
/** An RSA private key file in base64 (a 16384-bit key in PEM is ~17 KB). */
const MAX_TLS_KEY = 256 * 1024;
/** A merge input's time shift: at most a day either way (µs). */
const MAX_SHIFT_US = 24 * 3600 * 1_000_000;

/** Checks `req.calls` (1 to `max` non-empty strings); returns the other fields, or the error. */
function callList(req: unknown, max: number): Record<string, unknown> | string {
  if (!isObj(req)) return 'request must be an object';
  const { calls, ...rest } = req;
  if (!Array.isArray(calls) || calls.length === 0 || calls.length > max)
    return `calls must list 1 to ${max} calls`;
  if (calls.some((c) => typeof c !== 'string' || c.length === 0 || c.length > 4096))
    return 'calls must be strings';
  return rest;
}

function fields(
  spec: Record<string, 'string' | 'int' | 'int?' | 'string?' | 'bool?'>,
  limits?: { maxInt?: number },
): Check {
  return (req) => {
    if (!isObj(req)) return 'request must be an object';
    for (const key of Object.keys(req)) if (!(key in spec)) return `unexpected field "${key}"`;
    for (const [key, type] of Object.entries(spec)) {
      const v = req[key];
      const optional = type.endsWith('?');
      if (v === undefined) {
        if (optional) continue;
        return `missing field "${key}"`;
      }
      if (type === 'bool?') {
        if (typeof v !== 'boolean') return `field "${key}" must be true or false`;
      } else if (type.startsWith('string')) {
        if (typeof v !== 'string' || v.length === 0 || v.length > (key === 'yaml' ? MAX_YAML : 4096))
          return `field "${key}" must be a non-empty string`;
      } else if (
        !Number.isSafeInteger(v) ||
        (v as number) < 0 ||
        (v as number) > (limits?.maxInt ?? Number.MAX_SAFE_INTEGER)
      ) {
        return `field "${key}" must be a non-negative integer`;
      }
    }
    return null;
  };
}

const none: Check = (req) => (req === null || req === undefined ? null : 'this call takes no arguments');

const CHECKS: Record<InvokeChannel, Check> = {
  [Invoke.appInfo]: none,
  [Invoke.captureOpenPath]: fields({ path: 'string' }),
  [Invoke.captureOpenSample]: (req) =>
    req === null || req === undefined ? null : fields({ id: 'string' })(req),
  [Invoke.captureOpenUpload]: fields({ token: 'string', name: 'string' }),
  [Invoke.captureOpenMerged]: (req) => {
    if (!isObj(req)) return 'request must be an object';
    const { captures, ...rest } = req;
    if (Object.keys(rest).length > 0) return `unknown field "${Object.keys(rest)[0]}"`;
    if (!Array.isArray(captures) || captures.length < 2 || captures.length > 16)
      return 'captures must list 2 to 16 captures';
    for (const c of captures) {
      const e =
        isObj(c) && 'path' in c
          ? fields({ path: 'string' })(c)
          : fields({ token: 'string', name: 'string' })(c);
      if (e) return `captures: ${e}`;
    }
    return null;
  },
  [Invoke.captureDecryptTls]: (req) => {
    if (!isObj(req)) return 'request must be an object';
    const { captureId, keylog, tlsKey, ...rest } = req;
    if (Object.keys(rest).length > 0) return `unexpected field "${Object.keys(rest)[0]}"`;
    if (typeof captureId !== 'string' || captureId.length === 0 || captureId.length > 4096)
      return 'field "captureId" must be a non-empty string';
    if (keylog === undefined && tlsKey === undefined) return 'a field "keylog" or "tlsKey" is needed';
    if (
      keylog !== undefined &&
      (typeof keylog !== 'string' || keylog.length === 0 || keylog.length > MAX_KEYLOG)
    )
      return `field "keylog" must be a key log's text (1 to ${MAX_KEYLOG} characters)`;
    if (tlsKey === undefined) return null;
    if (!isObj(tlsKey)) return 'field "tlsKey" must be an object { data, server? }';
    const { data, server, ...more } = tlsKey;
    if (Object.keys(more).length > 0) return `unexpected field "tlsKey.${Object.keys(more)[0]}"`;
    if (
      typeof data !== 'string' ||
      data.length === 0 ||
      data.length > MAX_TLS_KEY ||
      !/^[A-Za-z0-9+/]+=*$/.test(data)
    )
      return `field "tlsKey.data" must be a key file's bytes in base64 (1 to ${MAX_TLS_KEY} characters)`;
    if (
      server !== undefined &&
      (typeof server !== 'string' || !/^(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$/.test(server))
    )
      return 'field "tlsKey.server" must be a server address ip:port (IPv6 as [addr]:port)';
    return null;
  },
  [Invoke.captureRemerge]: (req) => {
    if (!isObj(req)) return 'request must be an object';
    const { captureId, shiftsUs, ...rest } = req;
    if (Object.keys(rest).length > 0) return `unexpected field "${Object.keys(rest)[0]}"`;
    if (typeof captureId !== 'string' || captureId.length === 0 || captureId.length > 4096)
      return 'field "captureId" must be a non-empty string';
    if (!Array.isArray(shiftsUs) || shiftsUs.length < 2 || shiftsUs.length > 16)
      return 'field "shiftsUs" must list one shift per input (2 to 16)';
    // A day either way is far beyond any clock error worth merging around.
    for (const v of shiftsUs)
      if (!Number.isSafeInteger(v) || Math.abs(v as number) > MAX_SHIFT_US)
        return `field "shiftsUs" must hold whole µs within ±${MAX_SHIFT_US / 3.6e9} h`;
    return null;
  },
  [Invoke.captureMergeShifts]: fields({ captureId: 'string' }),
  [Invoke.captureCancel]: fields({ captureId: 'string' }),
  [Invoke.captureClose]: fields({ captureId: 'string' }),
  [Invoke.captureList]: none,
  [Invoke.messagesPage]: (req) => {
    const base = fields({
      captureId: 'string',
      offset: 'int',
      limit: 'int',
      call: 'string?',
      filter: 'string?',
    })(req);
    if (base) return base;
    return (req as { limit: number }).limit > 10_000 ? 'limit must be at most 10000' : null;
  },
  [Invoke.messageGet]: fields({ captureId: 'string', id: 'int' }),
  [Invoke.callsQuery]: (req) => {
    const base = fields({
      captureId: 'string',
      offset: 'int',
      limit: 'int',
      sort: 'string?',
      desc: 'bool?',
      filter: 'string?',
    })(req);
    if (base) return base;
    const q = req as { limit: number; sort?: string };
    if (q.sort !== undefined && !CALL_SORT_FIELDS.includes(q.sort)) return `unknown sort field "${q.sort}"`;
    return q.limit > 10_000 ? 'limit must be at most 10000' : null;
  },
  [Invoke.callsJoin]: (req) => {
    const list = callList(req, 100);
    if (typeof list === 'string') return list;
    if ((req as { calls: string[] }).calls.length < 2) return 'calls must list 2 to 100 calls';
    return fields({ captureId: 'string' })(list);
  },
  [Invoke.callsSplit]: fields({ captureId: 'string', a: 'string', b: 'string?' }),
  [Invoke.callsEdits]: fields({ captureId: 'string' }),
  [Invoke.callsUnedit]: (req) => {
    const base = fields({ captureId: 'string', a: 'string?', b: 'string?' })(req);
    if (base) return base;
    const q = req as { a?: string; b?: string };
    return (q.a === undefined) !== (q.b === undefined)
      ? 'a and b go together (or neither: every edit)'
      : null;
  },
  [Invoke.recentList]: none,
  [Invoke.scenarioList]: none,
  [Invoke.captureStats]: fields({ captureId: 'string', filter: 'string?' }),
  [Invoke.callMedia]: fields({ captureId: 'string', call: 'string?' }),
  [Invoke.streamAudio]: (req) => {
    const base = fields({
      captureId: 'string',
      stream: 'int?',
      call: 'string?',
      timing: 'string?',
      losses: 'string?',
      srtpKey: 'string?',
    })(req);
    if (base) return base;
    const q = req as { stream?: number; call?: string; timing?: string; losses?: string; srtpKey?: string };
    if ((q.stream === undefined) === (q.call === undefined)) return 'give either stream or call';
    if (q.srtpKey !== undefined && (q.stream === undefined || q.srtpKey.length > 1000))
      return 'srtpKey goes with a stream (at most 1000 characters)';
    if (q.losses !== undefined && q.losses !== 'conceal' && q.losses !== 'silence')
      return 'losses must be "conceal" or "silence"';
    return q.timing === undefined || q.timing === 'timestamp' || q.timing === 'arrival'
      ? null
      : 'timing must be "timestamp" or "arrival"';
  },
  [Invoke.ladderRoles]: (req) => {
    const list = callList(req, 100);
    return typeof list === 'string' ? list : fields({ captureId: 'string' })(list);
  },
  [Invoke.exportLadder]: (req) => {
    const list = callList(req, 100);
    if (typeof list === 'string') return list;
    const base = fields({ captureId: 'string', format: 'string' })(list);
    if (base) return base;
    const f = (list as { format: string }).format;
    return ['svg', 'mermaid', 'plantuml', 'text'].includes(f) ? null : `unknown ladder format "${f}"`;
  },
  [Invoke.exportCalls]: fields({ captureId: 'string', filter: 'string?' }),
  [Invoke.exportCapture]: (req) => {
    const rest = callList(req, 10_000);
    if (typeof rest === 'string') return rest;
    const base = fields({ captureId: 'string', format: 'string' })(rest);
    if (base) return base;
    const f = (rest as { format: string }).format;
    return f === 'pcap' || f === 'pcapng' ? null : `unknown capture format "${f}"`;
  },
  [Invoke.exportSipp]: fields({
    captureId: 'string',
    call: 'string',
    side: 'string?',
    keepTiming: 'bool?',
    media: 'bool?',
  }),
  [Invoke.liveStart]: (req) => {
    const base = fields({ kind: 'string', port: 'int' }, { maxInt: 65535 })(req);
    if (base) return base;
    const k = (req as { kind: string }).kind;
    return k === 'hep' || k === 'mirror' ? null : `unknown live source "${k}"`;
  },
  [Invoke.liveStop]: fields({ id: 'string' }),
  [Invoke.liveList]: none,
  [Invoke.labList]: none,
  [Invoke.labStart]: (req) => {
    const base = fields({ name: 'string?', yaml: 'string?', fileName: 'string?' })(req);
    if (base) return base;
    const r = req as { name?: string; yaml?: string };
    if ((r.name === undefined) === (r.yaml === undefined))
      return 'give either a built-in lab name or the YAML text';
    return null;
  },
  [Invoke.labStop]: fields({ id: 'string' }),
  [Invoke.labStatus]: fields({ id: 'string' }),
  [Invoke.labRunning]: none,
  [Invoke.labDtmf]: (req) => {
    const base = fields({
      id: 'string',
      node: 'string',
      digits: 'string',
      callId: 'string?',
      method: 'string?',
      durationMs: 'int?',
      pauseMs: 'int?',
    })(req);
    if (base) return base;
    const r = req as { digits: string; method?: string; durationMs?: number; pauseMs?: number };
    if (!/^[0-9*#A-Da-d]{1,32}$/.test(r.digits)) return 'field "digits" must be 1–32 of 0-9 * # A-D';
    if (r.method !== undefined && r.method !== 'auto' && r.method !== 'rfc4733' && r.method !== 'info')
      return `unknown DTMF method "${r.method}"`;
    if (r.durationMs !== undefined && (r.durationMs < 40 || r.durationMs > 2000))
      return 'field "durationMs" must be 40–2000';
    if (r.pauseMs !== undefined && (r.pauseMs < 60 || r.pauseMs > 10_000))
      return 'field "pauseMs" must be 60–10000';
    return null;
  },
  [Invoke.scenarioGet]: fields({ name: 'string' }),
  [Invoke.scenarioInlineScript]: fields({ yaml: 'string', node: 'string' }),
  [Invoke.scenarioRun]: (req) => {
    const base = fields(
      { name: 'string?', yaml: 'string?', fileName: 'string?', seed: 'int?' },
      { maxInt: 2 ** 32 - 1 },
    )(req);
    if (base) return base;
    const r = req as { name?: string; yaml?: string };
    if ((r.name === undefined) === (r.yaml === undefined))
      return 'give either a built-in name or the YAML text';
    return null;
  },
};

/** Throws an `ApiError('bad-request' | 'unknown-channel')` unless `req` is valid for `channel`. */
export function validateRequest<K extends InvokeChannel>(
  channel: unknown,
  req: unknown,
): asserts req is InvokeReq<K> {
  if (!isInvokeChannel(channel))
    throw new ApiError('unknown-channel', `unknown channel ${JSON.stringify(channel)}`);
  const problem = CHECKS[channel](req);
  if (problem) throw new ApiError('bad-request', `${channel}: ${problem}`);
}
