/**
 * The scenario player's state: pick or edit a scenario, run it in the simulator (on the host), then
 * step through its messages one at a time while the ladder grows and the element events up to that
 * moment are shown.
 */
import { laneNamesOf } from '../../../../shared/lane-names';
import {
  Invoke,
  type MediaStreamDto,
  type MessageDetail,
  type MessageRow,
  type ScenarioInfo,
  type ScenarioRunResult,
  type ScenarioStreamDto,
  type SimEventDto,
} from '@shared/api';
import type { Client } from '../api/client';
import { mediaStreamIndex } from '../ladder/ladder-model';
import { simStateAt, type SimState } from './sim-state';
import { scriptWhy } from './script-why';
import { paneStore } from '../shell/pane-size.svelte';
import {
  addAnswer,
  emptyScore,
  loadPredictOn,
  loadScores,
  quizOf,
  savePredictOn,
  saveScores,
  wrongAnswers,
  type Question,
  type QuestionRef,
  type QuizScore,
} from './predict';

/** An answered Predict question: the choice picked, and whether it was the right one. */
export interface PredictAnswer {
  question: Question;
  picked: number;
  right: boolean;
}

/**
 * "Practice the ones I got wrong": the questions answered wrong in a run, asked again one by one (the
 * ladder at each one's message), scored on their own.
 */
export interface PredictPractice {
  queue: QuestionRef[];
  /** The next question's place in `queue` (`queue.length`: done). */
  pos: number;
  answers: PredictAnswer[];
  score: QuizScore;
}

/** Most messages the player loads from one run. */
const MAX_MESSAGES = 5000;

export const SPEEDS = [0.5, 1, 2, 5, 10] as const;

export class ScenarioPlayer {
  readonly #client: Client;
  library = $state<ScenarioInfo[]>([]);
  query = $state('');
  name = $state<string | null>(null);
  fileName = $state<string | null>(null);
  yaml = $state('');
  edited = $state(false);
  running = $state(false);
  run = $state<ScenarioRunResult | null>(null);
  messages = $state<MessageRow[]>([]);
  /** How many messages are revealed (0..messages.length). */
  step = $state(0);
  playing = $state(false);
  speed = $state<number>(2);
  selected = $state<MessageDetail | null>(null);
  /** The RTP stream clicked on the ladder (shown instead of a message until the next step). */
  selectedStream = $state<ScenarioStreamDto | null>(null);
  /** The RTP arrow clicked (`mediaArrowId`: a stream's run), while `selectedStream` is set. */
  selectedArrow = $state<number | null>(null);
  /** The selected message's sender's routing script runs that made it (the inspector's Script tab). */
  readonly script = $derived(
    this.selected && this.run ? scriptWhy(this.run.nodes, this.run.events, this.selected.row) : null,
  );
  error = $state<string | null>(null);
  /**
   * Predict mode: before each message is revealed the student answers who sends what to whom (and a
   * header question at a few key moments); the message shows once its questions are answered.
   */
  predict = $state(loadPredictOn(paneStore));
  /** The run's message texts (for the header questions), loaded when Predict is on. */
  texts = $state<(string | null)[]>([]);
  /** Answers by message index, in the order of that message's questions. */
  answers = $state<Record<number, PredictAnswer[]>>({});
  /** This run's score. */
  score = $state<QuizScore>(emptyScore());
  /** Kept scores by built-in scenario (the list shows them), across sessions. */
  scores = $state<Record<string, QuizScore>>(loadScores(paneStore));
  #timer: ReturnType<typeof setInterval> | null = null;
  /** Counts selections, so a message detail that arrives after a newer selection is dropped. */
  #selectSeq = 0;

  readonly filtered = $derived(
    this.library.filter((s) => {
      const q = this.query.trim().toLowerCase();
      return (
        !q ||
        s.name.includes(q) ||
        s.title.toLowerCase().includes(q) ||
        s.description.toLowerCase().includes(q)
      );
    }),
  );
  readonly shown = $derived(this.messages.slice(0, this.step));
  /** Virtual time of the last revealed message (seconds), or -1 before the first. */
  readonly now = $derived(this.step > 0 ? (this.messages[this.step - 1]?.time ?? -1) : -1);
  readonly events = $derived<SimEventDto[]>(
    this.run ? this.run.events.filter((e) => e.time <= this.now + 1e-9) : [],
  );
  /**
   * The run's RTP streams the ladder draws: those whose first packet was sent by the current step's
   * time (all of them at the last step), so media appears as the player steps past it; a stream
   * that stopped and started again (a hold, a re-INVITE) with the runs of packets begun by then.
   */
  readonly media = $derived<ScenarioStreamDto[]>(
    !this.run
      ? []
      : this.step >= this.messages.length
        ? this.run.media
        : mediaUntil(this.run.media, this.now),
  );
  /** Transactions with their running timers, registrations and NAT bindings at the current step. */
  readonly state = $derived<SimState>(simStateAt(this.run?.events ?? [], this.now));
  readonly aliases = $derived(
    laneNamesOf(
      this.run?.nodes ?? [],
      this.messages.flatMap((m) => [m.src, m.dst]),
    ),
  );

  /** The Predict questions of the run, by message index (none while Predict is off). */
  readonly quiz = $derived<Question[][]>(
    this.predict && this.run
      ? quizOf({
          messages: this.messages.map((m, i) => ({ ...m, text: this.texts[i] ?? null })),
          events: this.run.events,
          nodes: this.run.nodes,
          names: this.aliases,
        })
      : [],
  );
  /** Whether the message texts the questions read are loaded. */
  readonly textsReady = $derived(this.texts.length === this.messages.length);
  /** Practising the questions answered wrong (null: the run's own questions). */
  practice = $state<PredictPractice | null>(null);
  /** The run's questions answered wrong so far, in order. */
  readonly wrong = $derived<QuestionRef[]>(wrongAnswers(this.answers));
  /** The question waiting for an answer before the next message is revealed, or null. */
  readonly question = $derived<Question | null>(
    !this.predict || !this.textsReady
      ? null
      : this.practice
        ? this.#practiceQuestion(this.practice)
        : (this.quiz[this.step]?.[this.answers[this.step]?.length ?? 0] ?? null),
  );
  /** The last answer given (its feedback stays shown while the next question is asked). */
  lastAnswer = $state<PredictAnswer | null>(null);

  constructor(client: Client) {
    this.#client = client;
  }

  async loadLibrary(): Promise<void> {
    if (this.library.length) return;
    try {
      this.library = await this.#client.invoke(Invoke.scenarioList, null);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  async pick(name: string): Promise<void> {
    this.stop();
    this.error = null;
    const r = await this.#client.invoke(Invoke.scenarioGet, { name });
    this.name = name;
    this.fileName = null;
    this.yaml = r.yaml;
    this.edited = false;
    this.run = null;
    this.messages = [];
    this.step = 0;
    this.selected = null;
    await this.start();
  }

  /** Loads a YAML file the user opened (kept in the editor; nothing is written back). */
  async openFile(file: File): Promise<void> {
    this.stop();
    this.name = null;
    this.fileName = file.name;
    this.yaml = await file.text();
    this.edited = true;
    this.run = null;
    this.messages = [];
    this.step = 0;
    await this.start();
  }

  edit(text: string): void {
    this.yaml = text;
    this.edited = true;
  }

  /**
   * Writes node `node`'s routing script inline in the scenario's YAML (its builtin's text) for the
   * user to edit; answers the line of its `script:` key, or null when it could not (error set).
   */
  async editScript(node: string): Promise<number | null> {
    try {
      const r = await this.#client.invoke(Invoke.scenarioInlineScript, { yaml: this.yaml, node });
      if (r.yaml !== this.yaml) this.edit(r.yaml);
      return r.line;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  /** Runs the scenario (as edited) and rewinds to the first message. */
  async start(): Promise<void> {
    this.stop();
    this.running = true;
    this.error = null;
    try {
      const req =
        this.edited || !this.name
          ? { yaml: this.yaml, fileName: this.fileName ?? `${this.name ?? 'scenario'}.yaml` }
          : { name: this.name };
      const run = await this.#client.invoke(Invoke.scenarioRun, req);
      this.run = run;
      this.answers = {};
      this.lastAnswer = null;
      this.score = emptyScore();
      this.practice = null;
      this.texts = [];
      this.selected = null;
      this.selectedStream = null;
      this.step = 0;
      if (run.capture) {
        const page = await this.#client.invoke(Invoke.messagesPage, {
          captureId: run.capture.id,
          offset: 0,
          limit: MAX_MESSAGES,
        });
        this.messages = page.items;
        this.step = Math.min(1, page.items.length);
        this.#follow();
        if (this.predict) await this.#loadTexts();
      } else {
        this.messages = [];
      }
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.running = false;
    }
  }

  forward(n = 1): void {
    // Predict: the next message waits for its answers
    if (this.predict && (this.question || !this.textsReady)) return;
    const was = this.step;
    this.step = Math.min(this.messages.length, this.step + n);
    if (this.step !== was) this.#follow();
    if (this.step >= this.messages.length) this.pause();
  }

  back(n = 1): void {
    const was = this.step;
    this.step = Math.max(0, this.step - n);
    if (this.step !== was) this.#follow();
  }

  toEnd(): void {
    this.step = this.messages.length;
    this.#follow();
    this.pause();
  }

  rewind(): void {
    this.step = 0;
    this.#follow();
    this.pause();
  }

  play(): void {
    if (this.predict) return;
    if (this.step >= this.messages.length) this.step = 0;
    this.playing = true;
    this.#schedule();
  }

  pause(): void {
    this.playing = false;
    this.stop();
  }

  setSpeed(s: number): void {
    this.speed = s;
    if (this.playing) this.#schedule();
  }

  /**
   * Turns Predict mode on or off (on: stops playing and loads the message texts its questions read),
   * remembered in this browser unless `remember` is false (a trainer's link: for this visit only).
   */
  async setPredict(on: boolean, opts: { remember?: boolean } = {}): Promise<void> {
    this.predict = on;
    if (opts.remember ?? true) savePredictOn(paneStore, on);
    if (!on) this.practice = null;
    if (on) {
      this.pause();
      await this.#loadTexts();
    }
  }

  /**
   * Answers the waiting question with choice `picked`: scored (kept per scenario), and once the
   * message's questions are all answered the message is revealed.
   */
  answer(picked: number): void {
    const q = this.question;
    const choice = q?.choices[picked];
    if (!q || !choice) return;
    const a: PredictAnswer = { question: q, picked, right: choice.correct };
    if (this.practice) return this.#practiceAnswer(this.practice, a);
    this.answers = { ...this.answers, [q.index]: [...(this.answers[q.index] ?? []), a] };
    this.lastAnswer = a;
    this.score = addAnswer(this.score, q.kind, a.right);
    if (!this.question) {
      this.step = Math.min(this.messages.length, q.index + 1);
      this.#follow();
    }
    if (this.step >= this.messages.length) this.score = { ...this.score, done: true };
    if (this.name) {
      this.scores = { ...this.scores, [this.name]: this.score };
      saveScores(paneStore, this.scores);
    }
  }

  /** Forgets every kept score (and this run's). */
  resetScores(): void {
    this.scores = {};
    this.score = emptyScore();
    this.answers = {};
    this.lastAnswer = null;
    this.practice = null;
    saveScores(paneStore, {});
  }

  /**
   * Asks again the questions answered wrong — the run's (`still` false), or those answered wrong in
   * the practice just done (`still` true) — each at its message (the ladder up to it), scored apart
   * from the run (whose score and the kept ones stay as they were).
   */
  practiceWrong(still = false): void {
    const queue = still && this.practice ? stillWrongOf(this.practice) : this.wrong;
    if (!this.predict || !queue.length) return;
    this.pause();
    this.practice = { queue, pos: 0, answers: [], score: emptyScore() };
    this.lastAnswer = null;
    this.step = queue[0]!.index;
    this.#follow();
  }

  /** Leaves the practice: back to the run's end, its own score shown. */
  endPractice(): void {
    if (!this.practice) return;
    this.practice = null;
    this.lastAnswer = null;
    this.toEnd();
  }

  #practiceQuestion(p: PredictPractice): Question | null {
    const r = p.queue[p.pos];
    return r ? (this.quiz[r.index]?.[r.k] ?? null) : null;
  }

  #practiceAnswer(p: PredictPractice, a: PredictAnswer): void {
    const next = p.queue[p.pos + 1];
    this.practice = {
      ...p,
      pos: p.pos + 1,
      answers: [...p.answers, a],
      score: { ...addAnswer(p.score, a.question.kind, a.right), done: !next },
    };
    this.lastAnswer = a;
    // the message answered about is revealed; the next question's message waits
    this.step = next && next.index > a.question.index ? next.index : a.question.index + (next ? 0 : 1);
    this.#follow();
  }

  async #loadTexts(): Promise<void> {
    const capture = this.run?.capture;
    if (!capture || this.texts.length === this.messages.length) return;
    const run = this.run;
    const texts: (string | null)[] = [];
    for (const m of this.messages) {
      try {
        texts.push((await this.#client.invoke(Invoke.messageGet, { captureId: capture.id, id: m.id })).text);
      } catch {
        texts.push(null);
      }
    }
    if (this.run === run) this.texts = texts;
  }

  #schedule(): void {
    this.stop();
    this.#timer = setInterval(() => this.forward(1), 1000 / this.speed);
  }

  /** Stops the play timer (component teardown, new run). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Selects a message: the inspector shows it raw, its headers explained, its path. A click on the
   * ladder selects that message until the next step; a click on an RTP stream (a negative id) shows
   * the stream's analysis instead.
   */
  async select(id: number): Promise<void> {
    const capture = this.run?.capture;
    if (!capture) return;
    const seq = ++this.#selectSeq;
    if (id < 0) {
      // an RTP stream's arrow (mediaArrowId): its analysis replaces the message inspector
      this.selectedStream = this.media.find((s) => s.index === mediaStreamIndex(id)) ?? null;
      this.selectedArrow = this.selectedStream ? id : null;
      if (this.selectedStream) this.selected = null;
      return;
    }
    this.selectedStream = null;
    try {
      const detail = await this.#client.invoke(Invoke.messageGet, { captureId: capture.id, id });
      if (seq === this.#selectSeq) this.selected = detail;
    } catch (err) {
      if (seq === this.#selectSeq) this.error = err instanceof Error ? err.message : String(err);
    }
  }

  /**
   * The inspector follows the player: each step (forward, back, play, to the end) selects the
   * message it reached, so a student stepping through reads every message as it goes on the wire;
   * before the first message nothing is selected.
   */
  #follow(): void {
    this.selectedStream = null;
    const row = this.step > 0 ? this.messages[this.step - 1] : undefined;
    if (row) {
      void this.select(row.id);
    } else {
      this.#selectSeq++;
      this.selected = null;
    }
  }
}

/** The streams begun by `now` (seconds), each with the runs of packets begun by then (`spans`). */
export function mediaUntil<T extends MediaStreamDto>(media: readonly T[], now: number): T[] {
  const out: T[] = [];
  for (const s of media) {
    if (s.start > now + 1e-9) continue;
    out.push(s.spans ? { ...s, spans: s.spans.filter((p) => p.start <= now + 1e-9) } : s);
  }
  return out;
}

/** The questions of a practice answered wrong again, in order. */
function stillWrongOf(p: PredictPractice): QuestionRef[] {
  return p.queue.filter((_, i) => p.answers[i] && !p.answers[i].right);
}
