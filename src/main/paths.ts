/** Where the app's files are, both when run from sources (tsx) and when bundled into out/main. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallSortField } from '../shared/api';

function findAppRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sipscope') return dir;
      } catch {
        // keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error('cannot find the sipscope installation (package.json)');
}

export const APP_ROOT = findAppRoot();
export const RESOURCES_DIR = join(APP_ROOT, 'resources');
export const SAMPLE_CAPTURE = join(RESOURCES_DIR, 'samples', 'sample-call.pcap');
/** SIPp scenarios that join a running lab (answer, register, call: src/main/live/join.ts). */
export const SIPP_DIR = join(RESOURCES_DIR, 'sipp');

/** A built-in sample capture (made from real peers by tools/samples/make*-sample.sh). */
export interface SampleSpec {
  id: string;
  path: string;
  title: string;
  description: string;
  /** The calls list's order when the sample is opened (default: by start). */
  sort?: CallSortField;
}

/** The built-in sample captures, the basic one first. */
export const SAMPLES: readonly SampleSpec[] = [
  {
    id: 'calls',
    path: SAMPLE_CAPTURE,
    title: 'Calls through a proxy',
    description: 'SIPp calls through Kamailio, captured with tshark: answered, busy, unknown user.',
  },
  {
    id: 'problems',
    path: join(RESOURCES_DIR, 'samples', 'sample-problems.pcap'),
    title: 'Calls that go wrong',
    description:
      'A lost ACK, an unreachable callee, a looping request, a bad Content-Length: the analysis names each, with its RFC section.',
    // (the most broken call first: the calls with an error, then warnings)
    sort: 'diagnostics',
  },
  {
    id: 'media',
    path: join(RESOURCES_DIR, 'samples', 'sample-media.pcap'),
    title: 'Calls with audio',
    description:
      'SIPp calls through Kamailio with their G.711 RTP: clean audio, 12% of one side lost, one-way audio. The ladder draws each stream.',
  },
];
export const RENDERER_DIR = join(APP_ROOT, 'out', 'renderer');

/** Per-user settings folder (XDG on Linux). */
export function userConfigDir(): string {
  if (process.platform === 'win32' && process.env.APPDATA) return join(process.env.APPDATA, 'sipscope');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'sipscope');
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'sipscope');
}
