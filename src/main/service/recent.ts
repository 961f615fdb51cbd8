/** Recently opened files (File › Open recent), remembered in a small JSON file. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RecentFile } from '../../shared/api';

const MAX_RECENT = 12;

export class RecentFiles {
  readonly #file: string | null;
  #items: RecentFile[] | null = null;
  readonly #now: () => number;

  /** @param file JSON file to persist to, or null to keep the list in memory only. */
  constructor(file: string | null, now: () => number = Date.now) {
    this.#file = file;
    this.#now = now;
  }

  async list(): Promise<RecentFile[]> {
    if (this.#items) return [...this.#items];
    this.#items = [];
    if (this.#file) {
      try {
        const parsed: unknown = JSON.parse(await readFile(this.#file, 'utf8'));
        if (Array.isArray(parsed)) {
          this.#items = parsed
            .filter(
              (x): x is RecentFile =>
                typeof x === 'object' &&
                x !== null &&
                typeof (x as RecentFile).path === 'string' &&
                typeof (x as RecentFile).name === 'string' &&
                typeof (x as RecentFile).openedAt === 'number',
            )
            .slice(0, MAX_RECENT);
        }
      } catch {
        // Missing or unreadable list: start empty (it is only a convenience).
      }
    }
    return [...this.#items];
  }

  async add(path: string, name: string): Promise<void> {
    const items = (await this.list()).filter((r) => r.path !== path);
    items.unshift({ path, name, openedAt: this.#now() });
    this.#items = items.slice(0, MAX_RECENT);
    if (this.#file) {
      await mkdir(dirname(this.#file), { recursive: true });
      await writeFile(this.#file, JSON.stringify(this.#items, null, 2));
    }
  }
}
