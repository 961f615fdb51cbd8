/**
 * The joins and splits of calls the user made (calls list: "Join", a link's "Split"), remembered per
 * capture file in a small JSON file beside the recent files, by the file's absolute path and size
 * (another file at that path starts with none); applied when the file is opened again. The capture
 * file itself is never written.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CallEditDto } from '../../shared/api';

/** Files remembered (the most recently edited kept). */
const MAX_FILES = 200;
/** Edits kept per file (a pair's latest only). */
const MAX_EDITS = 1000;

interface FileEdits {
  path: string;
  bytes: number;
  updatedAt: number;
  edits: CallEditDto[];
}

function isEdit(x: unknown): x is CallEditDto {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    (e.op === 'join' || e.op === 'split') &&
    typeof e.a === 'string' &&
    typeof e.b === 'string' &&
    e.a.length > 0 &&
    e.b.length > 0 &&
    e.a !== e.b
  );
}

function isFileEdits(x: unknown): x is FileEdits {
  if (typeof x !== 'object' || x === null) return false;
  const f = x as Record<string, unknown>;
  return (
    typeof f.path === 'string' &&
    typeof f.bytes === 'number' &&
    typeof f.updatedAt === 'number' &&
    Array.isArray(f.edits) &&
    f.edits.every(isEdit)
  );
}

export class CallEditsStore {
  readonly #file: string | null;
  #files: FileEdits[] | null = null;
  readonly #now: () => number;
  /** Writes in order (two edits in a row must not write the older list last). */
  #writing: Promise<void> = Promise.resolve();

  /** @param file JSON file to persist to, or null to keep the edits in memory only. */
  constructor(file: string | null, now: () => number = Date.now) {
    this.#file = file;
    this.#now = now;
  }

  async #load(): Promise<FileEdits[]> {
    if (this.#files) return this.#files;
    let files: FileEdits[] = [];
    if (this.#file) {
      try {
        const parsed: unknown = JSON.parse(await readFile(this.#file, 'utf8'));
        const list = (parsed as { files?: unknown } | null)?.files;
        if (Array.isArray(list)) files = list.filter(isFileEdits).slice(0, MAX_FILES);
      } catch {
        // Missing or unreadable: none remembered (a convenience, like the recent files).
      }
    }
    this.#files ??= files;
    return this.#files;
  }

  /** The edits remembered for the file at `path` of `bytes` bytes (none when its size changed). */
  async get(path: string, bytes: number): Promise<CallEditDto[]> {
    const f = (await this.#load()).find((x) => x.path === path);
    return f && f.bytes === bytes ? f.edits.map((e) => ({ ...e })) : [];
  }

  /** The size of the file at `path` its edits were made on, or null when none are remembered. */
  async sizeOf(path: string): Promise<number | null> {
    return (await this.#load()).find((x) => x.path === path)?.bytes ?? null;
  }

  /** Remembers the file's edits (all of them: they replace what was remembered). */
  async set(path: string, bytes: number, edits: readonly CallEditDto[]): Promise<void> {
    const files = (await this.#load()).filter((x) => x.path !== path);
    if (edits.length)
      files.unshift({
        path,
        bytes,
        updatedAt: this.#now(),
        edits: edits.slice(-MAX_EDITS).map((e) => ({ ...e })),
      });
    this.#files = files.slice(0, MAX_FILES);
    const file = this.#file;
    if (!file) return;
    const text = JSON.stringify({ version: 1, files: this.#files }, null, 2);
    this.#writing = this.#writing.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
    });
    await this.#writing;
  }
}
