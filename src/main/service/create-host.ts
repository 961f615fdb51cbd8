/** Builds the service host with the real parts: capture loader, samples, recent files. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceHost, type HostOptions } from './host';
import { RecentFiles } from './recent';
import { CoreCaptureLoader } from './capture-loader';
import { SAMPLES, userConfigDir } from '../paths';

export function createHost(
  o: Pick<HostOptions, 'mode' | 'electronVersions' | 'resolveUpload'> & { recentFile?: string | null },
): ServiceHost {
  return new ServiceHost({
    ...o,
    samples: SAMPLES.filter((s) => existsSync(s.path)),
    recent: new RecentFiles(o.recentFile === undefined ? join(userConfigDir(), 'recent.json') : o.recentFile),
    loader: new CoreCaptureLoader(),
  });
}
