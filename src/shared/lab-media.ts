/**
 * A lab's real RTP as the Lab area shows it (`LabDto.media`): what each lab phone sends and the
 * calls' media sessions now (src/main/live/lab-media.ts; docs/lab.md "Media").
 */

/** What a lab phone sends in a call (`none`: no socket, no RTP). */
export type LabMediaMode = 'tone' | 'echo' | 'silence' | 'none';

/** One lab phone's media setting (`auto`: tone in the calls it makes, echo in the calls it answers). */
export interface LabPhoneMediaDto {
  node: string;
  mode: LabMediaMode | 'auto';
  /** The tone's frequency (Hz). */
  toneHz: number;
  /** The phone offers and accepts rtcp-mux (RFC 5761). */
  rtcpMux?: boolean;
  /**
   * comedia (latching): the phone sends its RTP (and RTCP) back to where the peer's came from, not
   * to the peer's SDP address, once the first packet came.
   */
  comedia?: boolean;
  /**
   * The phone's calls so far (lab.ts): all of them, going on now, ended and still kept (a lab phone
   * keeps its newest 100 ended calls), and the earlier ended ones not kept (counted only).
   */
  calls?: { total: number; live: number; ended: number; forgotten: number };
}

/** One call's media session: its RTP socket (RTCP on the port above) and what it does now. */
export interface LabMediaSessionDto {
  node: string;
  callId: string;
  mode: LabMediaMode;
  /** Our RTP address (`host:port`). */
  local: string;
  /** Where RTP goes (the peer's SDP), null before its SDP. */
  remote: string | null;
  /**
   * `sending` (tone, silence), `echoing`, `held` (the offer/answer stops it: RFC 3264 §6.1, §8.4),
   * `receiving` (no answer yet) or `closed` (its socket failed).
   */
  state: 'sending' | 'echoing' | 'held' | 'receiving' | 'closed';
  codec: 'PCMU' | 'PCMA';
  /** RTCP on the RTP port (rtcp-mux agreed, RFC 5761). */
  rtcpMux?: boolean;
  /** comedia: `remote` is where the peer's RTP came from (the first packet latched it). */
  latched?: boolean;
  /** RTP packets sent and received so far. */
  sent: number;
  received: number;
}

/**
 * One call a proxy's media relay carries (`rtpproxy_manage()`; src/sip-core/elements/media-relay.ts):
 * the ports each side sends to, where the relay sends toward each side and whether it latched there.
 */
export interface RelaySessionDto {
  callId: string;
  /** The ports the caller and the callee send to (`host:port`, RTP). */
  callerPort: string;
  calleePort: string;
  /** Where the relay sends toward each side now (`host:port`), and whether it latched there. */
  toCaller: string | null;
  toCallee: string | null;
  callerLatched: boolean;
  calleeLatched: boolean;
  /** Packets (RTP and RTCP) that came from each side so far. */
  fromCaller: number;
  fromCallee: number;
}

/** A relayed call of a lab proxy (`node`). */
export interface LabRelayDto extends RelaySessionDto {
  node: string;
}

export interface LabMediaDto {
  phones: LabPhoneMediaDto[];
  sessions: LabMediaSessionDto[];
  /** The calls the lab's proxies relay now (absent: none). */
  relays?: LabRelayDto[];
  /** Calls that got no socket: the lab had `max` sessions open. */
  refused: number;
  max: number;
}
