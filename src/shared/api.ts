/**
 * The sipscope service API: the one contract between the host (src/main) and every client
 * (the Electron renderer through the preload, the browser-mode page through a WebSocket, tests).
 *
 * @remarks STYLE.md habit 10: invoke calls for request/response, events for push, `domain:verb`
 * names, errors crossing as an envelope and rebuilt on the client. No raw channel strings elsewhere.
 */

import type { DtmfDigitJson } from './dtmf';
import type { CallStats, MessageStats, Spread } from './capture-stats';
import type { LaneRole } from './lane-roles';
import type { MediaStreamFigures, StreamPlayed } from './media-stream';
import type { DsSetSnapshot } from './dispatcher-state';
import type { LabMediaDto } from './lab-media';

/** Request/response channels. */
export const Invoke = {
  appInfo: 'app:info',
  captureOpenPath: 'capture:openPath',
  captureOpenSample: 'capture:openSample',
  captureOpenUpload: 'capture:openUpload',
  /** Several captures (paths or uploads) opened as one, merged by time (one capture point each). */
  captureOpenMerged: 'capture:openMerged',
  /**
   * Opens a capture again with a TLS key log (NSS SSLKEYLOGFILE text) and/or a server's RSA private
   * key (TLS 1.2 with RSA key exchange) so its SIP over TLS/WSS is decrypted; the capture with the
   * same id's file is reopened as a new capture, the old one closed.
   */
  captureDecryptTls: 'capture:decryptTls',
  /**
   * A merged capture merged again with other per-input time shifts (µs, one per input, in order);
   * the inputs are read again (only read), the new capture replaces the old one.
   */
  captureRemerge: 'capture:remerge',
  /** A merged capture's suggested shifts: inputs whose hops run backwards in time (waits for the analysis). */
  captureMergeShifts: 'capture:mergeShifts',
  captureCancel: 'capture:cancel',
  captureClose: 'capture:close',
  captureList: 'capture:list',
  messagesPage: 'messages:page',
  messageGet: 'message:get',
  callsQuery: 'calls:query',
  callsJoin: 'calls:join',
  callsSplit: 'calls:split',
  callsEdits: 'calls:edits',
  callsUnedit: 'calls:unedit',
  recentList: 'recent:list',
  scenarioList: 'scenario:list',
  scenarioGet: 'scenario:get',
  scenarioRun: 'scenario:run',
  scenarioInlineScript: 'scenario:inlineScript',
  ladderRoles: 'ladder:roles',
  captureStats: 'capture:stats',
  callMedia: 'call:media',
  streamAudio: 'stream:audio',
  exportLadder: 'export:ladder',
  exportCalls: 'export:calls',
  exportCapture: 'export:capture',
  /** One call as a SIPp scenario of one endpoint, to replay it. */
  exportSipp: 'export:sipp',
  liveStart: 'live:start',
  liveStop: 'live:stop',
  liveList: 'live:list',
  labList: 'lab:list',
  labStart: 'lab:start',
  labStop: 'lab:stop',
  labStatus: 'lab:status',
  labRunning: 'lab:running',
  /** A lab phone presses digits in its call (RFC 4733 events or SIP INFO; docs/lab.md "DTMF"). */
  labDtmf: 'lab:dtmf',
} as const;
export type InvokeChannel = (typeof Invoke)[keyof typeof Invoke];

/** Push channels (host → client). */
export const Events = {
  captureProgress: 'capture:progress',
  captureOpened: 'capture:opened',
  captureFailed: 'capture:failed',
  captureAnalysis: 'capture:analysis',
  menuCommand: 'menu:command',
  liveUpdate: 'live:update',
  callsChanged: 'calls:changed',
} as const;
export type EventChannel = (typeof Events)[keyof typeof Events];

export interface AppInfo {
  name: string;
  version: string;
  /** `electron` when the host is the Electron main process, `browser` when served by `sipscope serve`. */
  mode: 'electron' | 'browser';
  build: {
    node: string;
    electron: string | null;
    chrome: string | null;
    platform: string;
    commit: string | null;
  };
  /** The built-in sample captures that are installed (resources/samples), the basic one first. */
  samples: SampleInfo[];
}

/** A built-in sample capture. */
export interface SampleInfo {
  /** What `capture:openSample` takes to open it. */
  id: string;
  /** File name. */
  name: string;
  bytes: number;
  title: string;
  /** What it shows, one sentence or two. */
  description: string;
  /** The calls list's order when it is opened (absent: by start). */
  sort?: CallSortField;
}

export type CaptureState = 'opening' | 'ready' | 'failed' | 'cancelled';

/** One diagnostic as the UI shows it (a subset of the core's Diagnostic, serializable). */
export interface DiagnosticDto {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  rfc: string | null;
  offset: number | null;
}

export interface CaptureSummary {
  id: string;
  name: string;
  /** Absolute path for files opened by path; null for uploads. */
  path: string | null;
  bytes: number;
  format: string;
  state: CaptureState;
  frames: number;
  messages: number;
  calls: number;
  /** Epoch seconds of the first and last SIP message, or null when there is none. */
  firstTime: number | null;
  lastTime: number | null;
  /** File-level and decode diagnostics (corrupt file, unknown link type...). */
  diagnostics: DiagnosticDto[];
  openMs: number | null;
  /**
   * Share of the full analysis done (0..1; 1 when complete). A capture is shown as soon as its
   * quick analysis (transactions, dialogs, calls and their states) is ready; the full analysis
   * (SDP, NAT, routing and B2BUA rules, leg correlation, hops, filters) follows in the background.
   */
  analysis: number;
  /** A lab's live trace: its nodes' names by the address they listen on (the ladder's lane names). */
  laneNames?: Record<string, string>;
  /** Several captures opened as one: the inputs, in the order given. */
  merged?: MergedCaptureDto;
}

/** The inputs of a merged capture (service/merge-captures.ts). */
export interface MergedCaptureDto {
  inputs: MergedInputDto[];
  /** The duplicate window used (µs): the same IP packet in two inputs within it was kept once. */
  dedupWindowUs: number;
}

export interface MergedInputDto {
  /** The file's name (an upload's own name). */
  name: string;
  /** Its path; null for an upload. */
  path: string | null;
  /** Frames read, and dropped as copies of another input's. */
  frames: number;
  duplicates: number;
  /** Added to its times (µs). */
  shiftUs: number;
}

/**
 * A shift that would put a merged capture's hops in order: an element's outgoing copy was seen (in
 * input `input`) before the incoming one it was made from (in input `reference`).
 */
export interface MergeShiftDto {
  /** The input to shift, by index, and the shift to add to its current one (µs). */
  input: number;
  shiftUs: number;
  reference: number;
  /** Hop steps that ran backwards, and the largest gap (µs). */
  hops: number;
  gapUs: number;
  /** `b.pcap seems 120 ms behind a.pcap` (or ahead). */
  text: string;
}

/** One row of the messages table; the same field meanings as the trace JSON contract. */
export interface MessageRow {
  id: number;
  frame: number;
  time: number;
  src: string;
  dst: string;
  transport: string;
  kind: 'request' | 'response' | 'invalid';
  method: string | null;
  requestUri: string | null;
  status: number | null;
  reason: string | null;
  callId: string | null;
  cseq: number | null;
  cseqMethod: string | null;
  fromTag: string | null;
  toTag: string | null;
  /** What the body is, in a word (`SDP`, `sipfrag`, `dtmf-relay`, `multipart`...); null without a body. */
  body: string | null;
  /** The digits an INFO (dtmf-relay, dtmf) or a NOTIFY (KPML) carries: `5`, `1 2 3`; absent otherwise. */
  dtmf?: string;
  diagnostics: number;
  maxSeverity: 'error' | 'warning' | 'info' | null;
  /** Analysis: `T3`, `D1`, `C1` ids, and whether this copy repeats an earlier one. */
  transaction: string | null;
  dialog: string | null;
  call: string | null;
  retransmission: boolean;
}

/** Median, 95th percentile (nearest rank) and largest of `n` values. */
export type SpreadDto = Spread;

/** Capture statistics (the core's `messageStats` and `callStats`). */
export interface CaptureStatsDto {
  messages: MessageStats;
  /** Of the calls the filter keeps (every call without one); null when the filter does not compile. */
  calls: CallStats | null;
  filter: string;
  filterError: { message: string; column: number } | null;
}

/** What a ladder lane is (the core's `laneRoles`): see lane-roles.ts. */
export type LaneRoleDto = LaneRole;

export interface MessageDetail {
  row: MessageRow;
  /** The message's exact text (decoded as UTF-8, invalid bytes replaced). */
  text: string;
  bytes: number;
  /** Header fields in order, each with what it is for (for students) where sipscope knows it. */
  headers: HeaderDto[];
  diagnostics: DiagnosticDto[];
  /** The request's path: Via stack, Route/Record-Route, its hops through the elements, the dialog's route sets. */
  path: PathDto | null;
  /** The SDP body as a table (RFC 4566), when the message carries one. */
  sdp: SdpDto | null;
  /**
   * The same request (or response) as seen at the previous capture point of its path (the copy
   * before this one in `path.hop.copies`), for the inspector's diff; null when there is none.
   */
  previousHop?: { id: number; frame: number; src: string; dst: string; time: number; text: string } | null;
  /**
   * A lab's message: the routing script runs of the element that sent it, in the same handling (of
   * one datagram or one timer) — the Inspector's Script tab; absent for a capture.
   */
  script?: ScriptWhy | null;
}

/** One statement a routing script ran, as the proxy's `script` event carries it. */
export interface ScriptStatement {
  line: number;
  text: string;
  /** A call's return code, an `if`'s condition, an assignment's value; null for exit/drop/break. */
  result: unknown;
}

export interface ScriptRunView {
  /** `request_route on INVITE: end`. */
  label: string;
  statements: ScriptStatement[];
}

/** Why an element sent a message: its routing script and the runs that made the message. */
export interface ScriptWhy {
  node: string;
  /** The script's source text. */
  text: string;
  runs: ScriptRunView[];
}

export interface SdpDto {
  origin: string | null;
  sessionName: string | null;
  connection: string | null;
  media: {
    media: string;
    port: number;
    proto: string;
    /** Effective connection address (media-level c= or the session's). */
    connection: string | null;
    direction: string;
    /** `0 PCMU/8000`, `101 telephone-event/8000 (0-16)`. */
    codecs: string[];
    ptime: number | null;
  }[];
  /** SDP diagnostics (codes). */
  problems: string[];
}

/** Via / Route / Record-Route path of one message, and the hops its copies made (path view). */
export interface PathDto {
  via: {
    transport: string;
    sentBy: string;
    branch: string | null;
    received: string | null;
    rport: string | null;
  }[];
  route: { uri: string; loose: boolean }[];
  recordRoute: { uri: string; loose: boolean }[];
  strict: boolean;
  /** The same request (or response) seen at several capture points, in path order. */
  hop: {
    label: string;
    copies: { id: number; frame: number; src: string; dst: string; time: number }[];
    steps: {
      from: number;
      to: number;
      element: string;
      changes: { kind: string; before: string | null; after: string | null }[];
    }[];
  } | null;
  dialog: {
    id: string;
    state: string;
    routeSet: { caller: string[]; callee: string[] };
    remoteTarget: { caller: string | null; callee: string | null };
    strictRouting: boolean;
  } | null;
}

export interface HeaderDto {
  name: string;
  /** Lower-case full name (compact forms expanded). */
  canonical: string;
  /** The value, unfolded. */
  value: string;
  info: { title: string; rfc: string; explain: string } | null;
  /** What this value says in this message (a student's note), when sipscope can tell. */
  note: string | null;
}

/** Call states, as the analysis classifies them (the classes Wireshark and sngrep use). */
export type CallStateDto =
  | 'setup'
  | 'ringing'
  | 'in-call'
  | 'completed'
  | 'cancelled'
  | 'rejected'
  | 'busy'
  | 'failed'
  | 'redirected'
  | string;

/** One call (a Call-ID, with the B2BUA legs correlated to it), as the calls list shows it. */
export interface CallDto {
  /** `C1`, `C2`... (stable within a trace). */
  id: string;
  callIds: string[];
  /** call, registration, subscription, options, message, other. */
  type: string;
  state: CallStateDto;
  from: string | null;
  to: string | null;
  fromUser: string | null;
  toUser: string | null;
  finalStatus: number | null;
  /** Epoch seconds. */
  start: number;
  end: number;
  /** Seconds: INVITE→first 18x, INVITE→2xx, 2xx→end. */
  pdd: number | null;
  setupTime: number | null;
  duration: number | null;
  /** Answered before the capture began (its INVITE and 2xx not in it): `duration` is a lower bound. */
  startOpen: boolean;
  codecs: string[];
  media: string[];
  messages: number;
  legs: number;
  diagnostics: number;
  /** Source and destination address:port of the call's first request (its INVITE for calls). */
  src: string | null;
  dst: string | null;
  /** Why its legs (`callIds`) are one call: one link per pair of legs a rule (or the user) joined. */
  links: CallLinkDto[];
  /**
   * Its RTP in a word (the `call:media` verdict; the filter's `call.rtp`). Absent when the capture
   * holds no RTP (the rows stay as small as before), before the full analysis ends, or for an item
   * the media analysis does not rate (not a call).
   */
  rtp?: MediaVerdictDto;
  /** A one-way call's RTP went caller → callee (`forward`) or back (`reverse`); null otherwise. */
  rtpOneWay?: 'forward' | 'reverse' | null;
  /** The call's worst stream loss, % with two decimals (`call.rtp.loss`); null when no stream. */
  rtpLoss?: number | null;
  /**
   * The digits its sides sent, in order, space-separated (`1 2 3 #`; RFC 4733 events, SIP INFO, KPML:
   * the filter's `call.dtmf`). Absent without any, and before the full analysis ends.
   */
  dtmf?: string;
}

/** One RTP stream of a capture (src/shared/media-stream.ts: the trace JSON's fields). */
export type MediaStreamDto = MediaStreamFigures;

/**
 * `two-way`/`one-way`: the call's RTP flowed both ways / one way; `no-media`: answered with SDP both
 * ways, the capture holds RTP of its media hosts but none of this call; `not-captured`: no RTP of its
 * hosts at all (the capture point does not see its media); `not-expected`: not answered or no SDP.
 */
export type MediaVerdictDto = 'two-way' | 'one-way' | 'no-media' | 'not-captured' | 'not-expected';

/** `call:media`: one call's streams and verdict, or (no `call`) every stream of the capture. */
export interface CallMediaDto {
  call: string | null;
  /** Null when the request named no call, or the capture holds no RTP at all. */
  verdict: MediaVerdictDto | null;
  streams: MediaStreamDto[];
  /** The media rules' diagnostics (one-way-media, media-loss, no-media, media-to-unannounced-address, poor-call-quality). */
  diagnostics: DiagnosticDto[];
  /** The call's digits in time order (RFC 4733 events, SIP INFO, KPML); absent when none. Since session 21. */
  dtmf?: DtmfDigitJson[];
}

/**
 * `stream:audio`: one stream's audio (mono) or one call's (stereo: left the caller → callee streams,
 * right the callee → caller ones, aligned on capture time) as a WAV, decoded from G.711, G.722, GSM,
 * G.726, G.729 or L16. A stream that cannot be played (Opus, G.723.1...) fails the request with code
 * `unplayable` and the reason.
 */
export interface StreamAudioDto {
  fileName: string;
  /** The WAV file (RIFF, PCM 16-bit little-endian) in base64. */
  base64: string;
  rate: number;
  channels: number;
  durationMs: number;
  /** Epoch seconds of the first sample. */
  startTime: number;
  timing: AudioTimingDto;
  /** How lost packets were played (since session 25). */
  losses: AudioLossDto;
  /** Each stream played: its index, channel (0 left / mono, 1 right) and what it gave. */
  streams: StreamPlayed[];
  /** What is missing, when a live trace no longer keeps the start (`the first 12.3 s are no longer kept ...`). */
  note?: string;
}

/**
 * `timestamp`: each packet where its RTP timestamp puts it, as a receiver's jitter buffer plays it
 * (lost packets silent, reordered ones in place); `arrival`: at its capture time (network jitter heard).
 */
export type AudioTimingDto = 'timestamp' | 'arrival';

/**
 * `conceal` (the default): a lost packet as a phone plays it (pitch repetition in the manner of G.711
 * Appendix I for G.711, L16, G.722 and G.726; GSM 06.11's substitution; G.729's own concealment);
 * `silence`: its time silent, so the gaps are heard where they are.
 */
export type AudioLossDto = 'conceal' | 'silence';

/** What a player asks `stream:audio` for besides the selection (the player's two choices). */
export interface AudioPlayDto {
  timing: AudioTimingDto;
  losses: AudioLossDto;
  /** A stream's SRTP key typed in its inspector (`SUITE inline:KEY`); absent: the SDP's. */
  srtpKey?: string;
}

/** A link between two legs of a call (the analysis' B2BUA correlation, or `manual`: the user's join). */
export interface CallLinkDto {
  /** Call-IDs of the earlier leg and the later one. */
  a: string;
  b: string;
  /** `x-cid`, `hep-correlation-id`, `icid`, `call-id-suffix`, `sdp-media`, `diversion`, `history-info`, `manual`. */
  reason: string;
  /** 0..1 (1: joined by the user). */
  confidence: number;
  /** What matched, e.g. `X-CID: a84b4c76e66710`. */
  detail: string;
}

/**
 * A join of calls or a split of the link between two legs, by the legs' Call-IDs: what the host
 * remembers per capture file and applies when the file is opened again.
 */
export interface CallEditDto {
  op: 'join' | 'split';
  a: string;
  b: string;
}

/** What a join or a split did. */
export interface CallEditResult {
  /** False when nothing changed (the calls were one already, or no link joined those legs). */
  changed: boolean;
  /** The calls the legs named are in now (`C1`, or `C1` and `C2` after a split). */
  calls: string[];
  /** Calls in the capture now. */
  total: number;
}

export type CallSortField =
  | 'start'
  | 'from'
  | 'to'
  | 'state'
  | 'finalStatus'
  | 'pdd'
  | 'setupTime'
  | 'duration'
  | 'messages'
  | 'legs'
  | 'src'
  | 'dst'
  /** The worst diagnostic's severity (calls with an error first, then warnings, info, none), then the start. */
  | 'diagnostics'
  /** The media verdict (one-way and no media first), then the worst loss. */
  | 'rtp'
  /** The digits sent, as text (calls without any last). */
  | 'dtmf';

export interface CallsQuery {
  captureId: string;
  offset: number;
  limit: number;
  sort?: CallSortField;
  desc?: boolean;
  /** A filter expression (docs/filters.md). */
  filter?: string;
}

export interface CallsPage extends Page<CallDto> {
  /** Calls of the whole (filtered) set by state. */
  byState: Record<string, number>;
  /**
   * The analysis diagnostics of the (filtered) set, by code: how many calls have each; errors
   * first, then by calls. Empty until the full analysis ends.
   */
  problems: ProblemCount[];
  /** Set when the filter does not parse: the page is then unfiltered. */
  filterError: { message: string; column: number } | null;
}

/** One diagnostic code of the calls list: the rule (title, RFC section) and the calls that have it. */
export interface ProblemCount {
  code: string;
  severity: 'error' | 'warning' | 'info';
  title: string;
  rfc: string | null;
  calls: number;
  /**
   * The filter that lists exactly those calls: `sip.diagnostic == "code"` (a message's), or
   * `call.rtp.problem == "code"` for a media rule (the call's RTP, on no one message).
   */
  filter: string;
}

export interface Page<T> {
  total: number;
  offset: number;
  items: T[];
}

export interface MessagesQuery {
  captureId: string;
  offset: number;
  limit: number;
  /** Only the messages of this call (`C3`, or any of its Call-IDs). */
  call?: string;
  /**
   * Without `call`: only the messages of the calls this calls-list filter keeps (docs/filters.md);
   * every message when it does not parse (the calls page says why).
   */
  filter?: string;
}

export interface RecentFile {
  path: string;
  name: string;
  openedAt: number;
  /** The user's joins and splits remembered for this file (at its size now); absent when none. */
  edits?: number;
}

export interface ProgressEvent {
  captureId: string;
  name: string;
  done: number;
  total: number;
  /**
   * The messages and calls read so far, once the capture's calls list can be asked (`calls:query`
   * without a filter, by start) while the read goes on; absent before (and for small files, read at once).
   */
  messages?: number;
  calls?: number;
}

/** The full analysis of an open capture advanced (or ended: `complete`, with the final call count). */
export interface AnalysisProgressEvent {
  captureId: string;
  done: number;
  total: number;
  complete: boolean;
  calls: number;
  /**
   * The message checks (every message's parser + lint codes) ended too: the problems row and the
   * calls' diagnostics counts are final. Told by a second `complete` event after the analysis'.
   */
  checked: boolean;
}

export type MenuCommand = 'open-capture' | 'open-sample' | 'about' | 'toggle-theme' | 'show-shortcuts';

/** A built-in scenario of the library (resources/scenarios). */
export interface ScenarioInfo {
  name: string;
  title: string;
  description: string;
  /** The library's topic it is listed under (resources/scenario-topics.yaml), in learning order. */
  topic?: string;
  /** A sentence about that topic. */
  topicAbout?: string;
}

/** What a scenario is about, from its YAML: shown before the first step and on demand after. */
export interface ScenarioAbout {
  title: string;
  description: string;
  /** What it teaches (RFC sections, ideas), when the file says. */
  teaches: string | null;
}

/** A scenario problem, located in the YAML. */
export interface ScenarioErrorDto {
  message: string;
  /** 1-based; 0 when unknown. */
  line: number;
  col: number;
  path: string;
}

export interface ScenarioNodeDto {
  name: string;
  role: string;
  address: string;
  public: string | null;
  /** The routing script a proxy or registrar runs (its source text, a builtin resolved); null otherwise. */
  script: string | null;
}

/** One element state change of a simulation: transaction states, timers, registrations, NAT, script lines. */
export interface SimEventDto {
  /** Virtual seconds. */
  time: number;
  node: string;
  kind: string;
  text: string;
  /**
   * Structured details, as the elements emit them (src/sip-core/elements/events.ts), e.g.
   * `timer`: `{ timer, branch, action: 'start'|'cancel'|'fire', due (µs) }`; `transaction`:
   * `{ role, method, branch, from, to }`; `registration` (registrar): `{ aor, contact, expires }`;
   * `nat-binding`: `{ inside, public, created | removed }`.
   */
  data?: Record<string, unknown>;
}

export interface ScenarioRunResult {
  /** Errors in the YAML (line and column); when present nothing ran and `capture` is null. */
  errors: ScenarioErrorDto[];
  /** The scenario's title, description and what it teaches; null when the YAML did not load. */
  about: ScenarioAbout | null;
  /** The simulated trace, opened like a capture: every view works on it. */
  capture: CaptureSummary | null;
  nodes: ScenarioNodeDto[];
  events: SimEventDto[];
  expectations: { what: string; ok: boolean; detail: string | null }[];
  /** Problems while running steps (a hang-up with no call, ...). */
  stepErrors: string[];
  seed: number;
  /**
   * The phones' (and relays') RTP streams of the run, as a capture of every sender's wire shows them:
   * each packet counted when sent, with what the simulated network did to it.
   */
  media: ScenarioStreamDto[];
}

/** An RTP stream of a simulated run. */
export interface ScenarioStreamDto extends MediaStreamDto {
  /** Of its `packets`, those the network dropped on the way (never delivered). */
  dropped: number;
  /** Why the first of them was dropped (`unroutable: …`, `nat: …`, `loss`), null when none was. */
  dropReason: string | null;
}

/** A running lab: elements on real sockets, recorded as a live trace. */
/** A lab element a phone can register with and call through (src/main/live/join.ts). */
export interface LabJoinServer {
  node: string;
  role: string;
  transport: string;
  /** host:port it listens on. */
  address: string;
  /** The domain to register in (the node's first `domains` entry, else its host). */
  domain: string;
  /** A user and password its digest authentication accepts, when it asks for one. */
  credentials: { user: string; password: string } | null;
}

/** One SIPp command: what it does and its arguments (argv[0] is `sipp`). */
export interface LabJoinCommand {
  title: string;
  argv: string[];
}

/** How to join a running lab from outside: its servers and SIPp command lines. */
export interface LabJoin {
  servers: LabJoinServer[];
  /** Empty when no element both saves and looks up bindings (nothing to register with and call). */
  sipp: LabJoinCommand[];
}

/** One binding of a lab registrar's location table (RFC 3261 §10.3). */
export interface LabBindingDto {
  node: string;
  aor: string;
  contact: string;
  /** Seconds until it expires, at the time of the status. */
  expires: number;
  q: number;
  received: string | null;
}

/** A lab balancer's dispatcher sets now (what `kamcmd dispatcher.list` tells), destinations in set order. */
export interface LabDispatcherDto {
  node: string;
  sets: DsSetSnapshot[];
}

export interface LabDto {
  id: string;
  name: string;
  /** The built-in lab file it was started from (its name in `lab:list`), null for a user's file. */
  builtin: string | null;
  /** The lab file's text as it was started (the Lab file tab edits a copy), and its file name. */
  yaml: string;
  fileName: string;
  title: string;
  /** The lab file's description and what it teaches. */
  description: string;
  teaches: string | null;
  join: LabJoin;
  /** The live trace, opened like a capture. */
  captureId: string;
  listening: { node: string; role: string; transport: string; address: string; note: string | null }[];
  running: boolean;
  messages: number;
  dropped: number;
  /** Newest element events (registrations, calls, transactions, script lines), newest last; a script run's carries its statements. */
  events: SimEventDto[];
  /** The routing script of each proxy and registrar, as source text. */
  scripts: { node: string; text: string }[];
  /**
   * The registrars' location tables now (`kamcmd ul.dump`): each unexpired binding, the seconds it
   * has left when this status was made, and where its REGISTER came from (fix_nated_register).
   */
  registrations: LabBindingDto[];
  /** Each proxy with a dispatcher list: its sets and destinations' states now (none: no balancer). */
  dispatcher: LabDispatcherDto[];
  /** The phones' real RTP: what each sends, the calls' media sessions now (docs/lab.md "Media"). */
  media: LabMediaDto;
  stepErrors: string[];
}

/** A live source the UI started: a HEP collector (Kamailio siptrace, heplify...) or a UDP mirror. */
export interface LiveSourceDto {
  id: string;
  /** `iface`: an interface capture through dumpcap (`sipscope serve --iface`), SIP and RTP. */
  kind: 'hep' | 'mirror' | 'iface';
  name: string;
  captureId: string;
  listening: string[];
  running: boolean;
  messages: number;
  dropped: number;
  stats: { packets: number; messages: number; ignored: number; malformed: number };
}

/** A batched change of a live trace (at most ~10 per second). */
export interface LiveUpdateEvent {
  captureId: string;
  messages: number;
  /** The trace's frames and calls now (the status bar's counts follow the trace as it grows). */
  frames: number;
  calls: number;
  total: number;
  dropped: number;
}

export type LadderExportFormat = 'svg' | 'mermaid' | 'plantuml' | 'text';

/** A file the client saves (text, or bytes in base64). */
export interface ExportFile {
  fileName: string;
  mime: string;
  text?: string;
  base64?: string;
}

/** One input of `capture:openMerged`: a file by path (Electron) or an upload (browser mode). */
export type MergedCaptureInput = { path: string } | { token: string; name: string };

/** Request and response types per invoke channel. */
export interface InvokeMap {
  [Invoke.appInfo]: { req: null; res: AppInfo };
  [Invoke.captureOpenPath]: { req: { path: string }; res: CaptureSummary };
  /** `null` opens the first sample. */
  [Invoke.captureOpenSample]: { req: { id: string } | null; res: CaptureSummary };
  [Invoke.captureOpenUpload]: { req: { token: string; name: string }; res: CaptureSummary };
  [Invoke.captureOpenMerged]: { req: { captures: MergedCaptureInput[] }; res: CaptureSummary };
  /**
   * `keylog`: NSS key log text; `tlsKey`: an RSA private key file's bytes in base64 (PEM or DER,
   * PKCS#1 or PKCS#8), for the server at `server` (`ip:port`, IPv6 in brackets) or, without, any.
   * At least one of the two.
   */
  [Invoke.captureDecryptTls]: {
    req: { captureId: string; keylog?: string; tlsKey?: { data: string; server?: string } };
    res: CaptureSummary;
  };
  [Invoke.captureRemerge]: { req: { captureId: string; shiftsUs: number[] }; res: CaptureSummary };
  [Invoke.captureMergeShifts]: { req: { captureId: string }; res: MergeShiftDto[] };
  [Invoke.captureCancel]: { req: { captureId: string }; res: boolean };
  [Invoke.captureClose]: { req: { captureId: string }; res: boolean };
  [Invoke.captureList]: { req: null; res: CaptureSummary[] };
  [Invoke.messagesPage]: { req: MessagesQuery; res: Page<MessageRow> };
  [Invoke.messageGet]: { req: { captureId: string; id: number }; res: MessageDetail };
  [Invoke.callsQuery]: { req: CallsQuery; res: CallsPage };
  /** Joins calls into one (`C3` or a Call-ID each; 2 to 100), reason `manual`; remembered per capture file. */
  [Invoke.callsJoin]: { req: { captureId: string; calls: string[] }; res: CallEditResult };
  /**
   * Splits the link between two legs (`a`, `b`: Call-IDs, or `C5`: the number a leg has as a call of
   * its own): every link between them goes and none comes back as the trace grows; remembered.
   * Without `b`: leg `a` is split off its call (every link it has goes, one split per link).
   */
  [Invoke.callsSplit]: { req: { captureId: string; a: string; b?: string }; res: CallEditResult };
  /** The user's joins and splits of this capture's calls, in order (a pair's latest only). */
  [Invoke.callsEdits]: { req: { captureId: string }; res: CallEditDto[] };
  /**
   * Takes back the user's edit of legs `a` and `b` (Call-IDs), or every edit when neither is given:
   * those legs are linked as the analysis found them again; remembered.
   */
  [Invoke.callsUnedit]: { req: { captureId: string; a?: string; b?: string }; res: CallEditResult };
  [Invoke.recentList]: { req: null; res: RecentFile[] };
  [Invoke.scenarioList]: { req: null; res: ScenarioInfo[] };
  [Invoke.scenarioGet]: { req: { name: string }; res: { name: string; yaml: string } };
  /**
   * A scenario or lab file with one node's routing script written inline (its builtin's text), to
   * edit in the app; the rest of the file as it was. Nothing is written to any file.
   */
  [Invoke.scenarioInlineScript]: {
    req: { yaml: string; node: string };
    /** `line`: the node's `script` key in `yaml` (1-based), where the editor opens. */
    res: { yaml: string; line: number };
  };
  /** Message and call statistics of a capture (the call figures for the calls `filter` keeps). */
  [Invoke.captureStats]: { req: { captureId: string; filter?: string }; res: CaptureStatsDto };
  /**
   * RTP streams: of call `call` (`C3` or one of its Call-IDs) with its media verdict, or without
   * `call` every stream of the capture (those no SDP announced too). Waits for the full analysis.
   */
  [Invoke.callMedia]: { req: { captureId: string; call?: string }; res: CallMediaDto };
  /** A stream's (`stream`: its index in `call:media`) or a call's audio as a WAV (exactly one of the two). */
  [Invoke.streamAudio]: {
    req: {
      captureId: string;
      stream?: number;
      call?: string;
      timing?: AudioTimingDto;
      losses?: AudioLossDto;
      /** An SRTP key for `stream` given by hand (`AES_CM_128_HMAC_SHA1_80 inline:KEY`), before its SDP's. */
      srtpKey?: string;
    };
    res: StreamAudioDto;
  };
  /** The roles of the lanes of the ladder of these calls (as `messagesPage` gives their messages). */
  [Invoke.ladderRoles]: { req: { captureId: string; calls: string[] }; res: LaneRoleDto[] };
  [Invoke.exportLadder]: {
    /** One call, or several merged in one ladder (as the multi-call ladder draws them). */
    req: { captureId: string; calls: string[]; format: LadderExportFormat };
    res: ExportFile;
  };
  [Invoke.exportCalls]: { req: { captureId: string; filter?: string }; res: ExportFile };
  [Invoke.exportCapture]: {
    req: { captureId: string; calls: string[]; format: 'pcap' | 'pcapng' };
    res: ExportFile;
  };
  /**
   * One call (`C3` or a Call-ID) as a SIPp scenario of one endpoint — `side`: `caller` (default),
   * `callee` or one of the call's addresses — with the capture's gaps as pauses when `keepTiming`
   * (sip-core/analysis/export/sipp.ts). An address not in the call, or an exchange without a
   * request: `bad-request` with the reason. `media`: when the capture holds RTP that end sent, `media`
   * of the response is that RTP as a pcap the scenario plays (`play_pcap_audio`, by its file name).
   */
  [Invoke.exportSipp]: {
    req: { captureId: string; call: string; side?: string; keepTiming?: boolean; media?: boolean };
    res: ExportFile & { media?: ExportFile };
  };
  [Invoke.liveStart]: { req: { kind: 'hep' | 'mirror'; port: number }; res: LiveSourceDto };
  [Invoke.liveStop]: { req: { id: string }; res: LiveSourceDto };
  [Invoke.liveList]: { req: null; res: LiveSourceDto[] };
  [Invoke.labList]: { req: null; res: ScenarioInfo[] };
  [Invoke.labStart]: { req: { name?: string; yaml?: string; fileName?: string }; res: LabDto };
  [Invoke.labStop]: { req: { id: string }; res: LabDto };
  [Invoke.labStatus]: { req: { id: string }; res: LabDto };
  /** The labs running in this host, oldest first: a window opened or reloaded while a lab runs shows it. */
  [Invoke.labRunning]: { req: null; res: LabDto[] };
  /**
   * Phone `node` of lab `id` presses `digits` (1–32 of 0-9 * # A-D) in call `callId` (default: its
   * newest answered call): `auto` (default) sends RFC 4733 telephone-events when the call agreed
   * telephone-event, else SIP INFO (application/dtmf-relay); `durationMs` per digit (40–2000, 100);
   * `pauseMs` from a digit's end to the next (60–10000, 100).
   */
  [Invoke.labDtmf]: {
    req: {
      id: string;
      node: string;
      digits: string;
      callId?: string;
      method?: 'auto' | 'rfc4733' | 'info';
      durationMs?: number;
      pauseMs?: number;
    };
    res: { method: 'rfc4733' | 'info'; callId: string };
  };
  [Invoke.scenarioRun]: {
    req: { name?: string; yaml?: string; fileName?: string; seed?: number };
    res: ScenarioRunResult;
  };
}

/** Payload types per event channel. */
export interface EventMap {
  [Events.captureProgress]: ProgressEvent;
  [Events.captureOpened]: CaptureSummary;
  [Events.captureFailed]: { captureId: string; name: string; error: ApiErrorData };
  [Events.captureAnalysis]: AnalysisProgressEvent;
  /** `sample`: which sample `open-sample` means (its id). */
  [Events.menuCommand]: { command: MenuCommand; path?: string; sample?: string };
  [Events.liveUpdate]: LiveUpdateEvent;
  /** The user joined or split calls: the calls list, its counts and the ladder are to be asked again. */
  [Events.callsChanged]: { captureId: string; calls: number };
}

export type InvokeReq<K extends InvokeChannel> = InvokeMap[K]['req'];
export type InvokeRes<K extends InvokeChannel> = InvokeMap[K]['res'];

/** What crosses the wire for an error; rebuilt into an `ApiError` on the client. */
export interface ApiErrorData {
  name: string;
  message: string;
  code: string;
}

/** The envelope every invoke result crosses in. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiErrorData };

/** Error codes the host uses. */
export type ApiErrorCode =
  'bad-request' | 'unknown-channel' | 'not-found' | 'unreadable' | 'cancelled' | 'forbidden' | 'internal';

export class ApiError extends Error {
  readonly code: string;
  constructor(code: ApiErrorCode | string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
  toData(): ApiErrorData {
    return { name: this.name, message: this.message, code: this.code };
  }
  static from(data: ApiErrorData): ApiError {
    const e = new ApiError(data.code, data.message);
    e.name = data.name;
    return e;
  }
}

/** The client-side API object: implemented by the preload (Electron) and the WebSocket client (browser). */
export interface SipscopeApi {
  readonly mode: 'electron' | 'browser';
  invoke<K extends InvokeChannel>(channel: K, req: InvokeReq<K>): Promise<InvokeRes<K>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}

/** WebSocket frames of browser mode. */
export type WsClientFrame = { type: 'invoke'; id: number; channel: string; req: unknown };
export type WsServerFrame =
  | { type: 'result'; id: number; envelope: Envelope<unknown> }
  | { type: 'event'; event: string; payload: unknown };

export const INVOKE_CHANNELS: readonly InvokeChannel[] = Object.values(Invoke);
export const EVENT_CHANNELS: readonly EventChannel[] = Object.values(Events);

export function isInvokeChannel(x: unknown): x is InvokeChannel {
  return typeof x === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(x);
}
export function isEventChannel(x: unknown): x is EventChannel {
  return typeof x === 'string' && (EVENT_CHANNELS as readonly string[]).includes(x);
}
