import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecentFiles } from '../../src/main/service/recent';

describe('RecentFiles', () => {
  it('keeps the newest first, without duplicates, at most 12, and persists them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sipscope-recent-'));
    const file = join(dir, 'sub', 'recent.json');
    let now = 1000;
    const r = new RecentFiles(file, () => now++);
    for (let i = 0; i < 15; i++) await r.add(`/caps/${i}.pcap`, `${i}.pcap`);
    await r.add('/caps/3.pcap', '3.pcap');
    const list = await r.list();
    expect(list).toHaveLength(12);
    expect(list[0].path).toBe('/caps/3.pcap');
    expect(list.filter((x) => x.path === '/caps/3.pcap')).toHaveLength(1);
    const again = await new RecentFiles(file).list();
    expect(again.map((x) => x.path)).toEqual(list.map((x) => x.path));
  });
  it('survives a corrupt list file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sipscope-recent-'));
    const file = join(dir, 'recent.json');
    await writeFile(file, '{not json');
    const r = new RecentFiles(file);
    expect(await r.list()).toEqual([]);
    await r.add('/a.pcap', 'a.pcap');
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(1);
  });
});
