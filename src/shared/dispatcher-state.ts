/**
 * A dispatcher's sets as `kamcmd dispatcher.list` shows them: the element's snapshot
 * (src/sip-core/elements/dispatcher.ts) and the lab console's `LabDto.dispatcher` are the same.
 */

/** One destination as `kamcmd dispatcher.list` shows it (a copy: later marks and probes do not change it). */
export interface DsDestinationSnapshot {
  uri: string;
  /** State bits: 1 inactive, 2 trying, 4 disabled, 8 probing. */
  flags: number;
  /** `AP`, `IX`...: Kamailio's state letters. */
  state: string;
  /** `IP (inactive, probing)`. */
  words: string;
  priority: number;
  attrs: string;
  weight: number;
  /** The last probe's final reply code (408: no answer in time), null before any probe. */
  lastProbe: number | null;
}

/** One set, its destinations in Kamailio's order. */
export interface DsSetSnapshot {
  set: number;
  destinations: DsDestinationSnapshot[];
}
