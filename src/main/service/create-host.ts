/** Builds the service host with the real parts: capture loader, sample, recent files. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceHost, type HostOptions } from './host';
import { RecentFiles } from './recent';
import { CoreCaptureLoader } from './capture-loader';
import { SAMPLE_CAPTURE, userConfigDir } from '../paths';

export function createHost(
  o: Pick<HostOptions, 'mode' | 'electronVersions' | 'resolveUpload'> & { recentFile?: string | null },
): ServiceHost {
  return new ServiceHost({
    ...o,
    samplePath: existsSync(SAMPLE_CAPTURE) ? SAMPLE_CAPTURE : null,
    recent: new RecentFiles(o.recentFile === undefined ? join(userConfigDir(), 'recent.json') : o.recentFile),
    loader: new CoreCaptureLoader(),
  });
}
