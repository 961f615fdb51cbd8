/**
 * The lab console's state: built-in lab files, the running lab (what listens where, registrations,
 * element events), and its live trace, which the calls list and ladder show as it grows.
 */
import { Invoke, type LabDto, type LiveSourceDto, type ScenarioInfo } from '@shared/api';
import type { Client } from '../api/client';

export class LabConsole {
  readonly #client: Client;
  library = $state<ScenarioInfo[]>([]);
  lab = $state<LabDto | null>(null);
  /** `performance.now()` when {@link lab} was fetched: its bindings' `expires` count from then. */
  labAt = $state(0);
  starting = $state(false);
  error = $state<string | null>(null);
  /** HEP collectors and UDP mirrors started from the UI. */
  sources = $state<LiveSourceDto[]>([]);

  /** The Lab file tab's edited copy of the shown lab's file (null: the file as the lab was started). */
  draft = $state<string | null>(null);
  /** The lab file the Lab file tab shows: the edited copy, else the shown lab's own text. */
  readonly fileText = $derived(this.draft ?? this.lab?.yaml ?? '');
  /** The start's error, where it names places in the lab file (`file:line:col: message`). */
  readonly fileErrors = $derived(locatedErrors(this.error));

  constructor(client: Client) {
    this.#client = client;
  }

  /**
   * The lab library, and what already runs in the host: a lab and live sources started before this
   * window was opened or reloaded (or from another browser tab) are shown, so they can be followed
   * and stopped rather than started a second time on sockets they hold.
   */
  async loadLibrary(): Promise<void> {
    try {
      if (!this.library.length) this.library = await this.#client.invoke(Invoke.labList, null);
      if (!this.lab) {
        const running = await this.#client.invoke(Invoke.labRunning, null);
        if (running.length && !this.lab) this.#show(running[running.length - 1]!);
      }
      if (!this.sources.length) this.sources = await this.#client.invoke(Invoke.liveList, null);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  async start(req: { name: string } | { yaml: string; fileName: string }): Promise<void> {
    this.error = null;
    // A built-in lab picked again while it runs: show it (it holds its sockets; Stop, then pick, restarts it).
    if ('name' in req && this.lab?.running && this.lab.builtin === req.name) return;
    this.starting = true;
    try {
      if (this.lab?.running) await this.stop();
      this.#show(await this.#client.invoke(Invoke.labStart, req));
      this.draft = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.starting = false;
    }
  }

  /** Edits the Lab file tab's copy (nothing is written to any file). */
  edit(text: string): void {
    this.draft = text;
  }

  /**
   * Writes node `node`'s routing script inline in the Lab file tab's copy (its builtin's text) for
   * the user to edit; answers the line of its `script:` key, or null when it could not (error set).
   */
  async editScript(node: string): Promise<number | null> {
    try {
      const r = await this.#client.invoke(Invoke.scenarioInlineScript, { yaml: this.fileText, node });
      if (r.yaml !== this.fileText) this.draft = r.yaml;
      return r.line;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  /** Starts the edited lab file in place of the shown lab (stopped first: it may hold the same sockets). */
  async startDraft(): Promise<void> {
    if (!this.lab) return;
    await this.start({ yaml: this.fileText, fileName: this.lab.fileName });
  }

  async startFile(file: File): Promise<void> {
    await this.start({ yaml: await file.text(), fileName: file.name });
  }

  /**
   * Phone `node` presses `digits` in its call `callId` (lab:dtmf): how they went (`RFC 4733` or
   * `SIP INFO`), or the lab's refusal.
   */
  async dtmf(
    node: string,
    callId: string,
    digits: string,
    method: 'auto' | 'rfc4733' | 'info',
  ): Promise<{ ok: boolean; text: string }> {
    if (!this.lab) return { ok: false, text: 'no lab' };
    try {
      const r = await this.#client.invoke(Invoke.labDtmf, { id: this.lab.id, node, callId, digits, method });
      return { ok: true, text: `${digits}: ${r.method === 'rfc4733' ? 'RFC 4733 events' : 'SIP INFO'}` };
    } catch (err) {
      return { ok: false, text: err instanceof Error ? err.message : String(err) };
    }
  }

  async stop(): Promise<void> {
    if (!this.lab) return;
    this.#show(await this.#client.invoke(Invoke.labStop, { id: this.lab.id }));
  }

  async startLive(kind: 'hep' | 'mirror', port: number): Promise<LiveSourceDto | null> {
    this.error = null;
    try {
      const src = await this.#client.invoke(Invoke.liveStart, { kind, port });
      this.sources = [...this.sources, src];
      return src;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  async stopLive(id: string): Promise<void> {
    const src = await this.#client.invoke(Invoke.liveStop, { id });
    this.sources = this.sources.map((s) => (s.id === id ? src : s));
  }

  /** Refreshes the live sources' counters (on their batched updates). */
  async refreshLive(): Promise<void> {
    this.sources = await this.#client.invoke(Invoke.liveList, null);
  }

  /**
   * Refreshes listening/registrations/events (called on the live trace's batched updates, and every
   * few seconds while the console is open: bindings expire with no message to announce it).
   */
  async refresh(): Promise<void> {
    if (!this.lab) return;
    this.#show(await this.#client.invoke(Invoke.labStatus, { id: this.lab.id }));
  }

  #show(lab: LabDto): void {
    this.lab = lab;
    this.labAt = performance.now();
  }
}

/** `bad.yaml:4:22: scenario-schema: …` lines of an error message, as the YAML editor lists them. */
export function locatedErrors(message: string | null): { line: number; col: number; message: string }[] {
  if (!message) return [];
  const out: { line: number; col: number; message: string }[] = [];
  for (const l of message.split('\n')) {
    const m = /^[^\n]*?:(\d+):(\d+): (.*)$/.exec(l);
    if (m) out.push({ line: Number(m[1]), col: Number(m[2]), message: m[3] });
  }
  return out;
}
