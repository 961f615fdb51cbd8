/**
 * Element state events: what the simulator shows next to the trace (transaction states, timers
 * fired, registrations, NAT bindings, script lines, dialogs, dispatcher destination states).
 * Elements only emit; the simulator (or a test) collects them.
 */
import type { Micros } from '../stack/clock';

export type ElementEventKind =
  | 'transaction'
  | 'timer'
  | 'dialog'
  | 'registration'
  | 'nat-binding'
  | 'nat-drop'
  | 'script'
  | 'dispatcher'
  | 'stun'
  | 'lost'
  | 'call'
  | 'log';

export interface ElementEvent {
  /** Virtual time in µs. */
  time: Micros;
  /** Scenario node name. */
  node: string;
  kind: ElementEventKind;
  /** One human line, e.g. `ICT z9hG4bK… calling -> proceeding`. */
  text: string;
  /** Structured details (state names, timer names, binding addresses, script line numbers). */
  data?: Record<string, unknown>;
}

/** Where elements report their state changes. `enabled` false lets hot paths skip building text. */
export interface EventSink {
  readonly enabled: boolean;
  emit(ev: ElementEvent): void;
}

/** A sink that keeps everything (tests, CLI). */
export class EventLog implements EventSink {
  readonly enabled = true;
  readonly events: ElementEvent[] = [];
  emit(ev: ElementEvent): void {
    this.events.push(ev);
  }
}

/** A sink that drops everything (benchmarks). */
export const NO_EVENTS: EventSink = { enabled: false, emit: () => undefined };
