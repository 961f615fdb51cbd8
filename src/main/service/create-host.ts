/** Builds the service host with the real parts: capture loader, samples, recent files, remembered call edits. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceHost, type HostOptions } from './host';
import { RecentFiles } from './recent';
import { CallEditsStore } from './call-edits';
import { CoreCaptureLoader } from './capture-loader';
import { SAMPLES, userConfigDir } from '../paths';

export function createHost(
  o: Pick<HostOptions, 'mode' | 'electronVersions' | 'resolveUpload'> & {
    recentFile?: string | null;
    /** Where the calls' joins and splits are remembered; by default beside the recent files (none when those are kept in memory). */
    callEditsFile?: string | null;
  },
): ServiceHost {
  const { recentFile, callEditsFile, ...rest } = o;
  return new ServiceHost({
    ...rest,
    samples: SAMPLES.filter((s) => existsSync(s.path)),
    recent: new RecentFiles(recentFile === undefined ? join(userConfigDir(), 'recent.json') : recentFile),
    callEdits: new CallEditsStore(
      callEditsFile !== undefined
        ? callEditsFile
        : recentFile === null
          ? null
          : join(userConfigDir(), 'call-edits.json'),
    ),
    loader: new CoreCaptureLoader(),
  });
}
