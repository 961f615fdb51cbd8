/**
 * The service tests' common start: a browser-mode service host with the sample capture (SIPp →
 * Kamailio → SIPp, five calls) open before the file's tests, disposed after them. Read `host` and
 * `cap` inside tests or later hooks (they are set by the `beforeAll` this registers).
 */
import { afterAll, beforeAll } from 'vitest';
import { createHost } from '../../src/main/service/create-host';
import type { ServiceHost } from '../../src/main/service/host';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import type { CaptureSummary } from '../../src/shared/api';

export interface SampleHost {
  host: ServiceHost;
  cap: CaptureSummary;
}

export function sampleHost(): Readonly<SampleHost> {
  const s = {} as SampleHost;
  beforeAll(async () => {
    s.host = createHost({ mode: 'browser', recentFile: null });
    s.cap = await s.host.openPath(SAMPLE_CAPTURE, { remember: false });
  });
  afterAll(async () => {
    await s.host.dispose();
  });
  return s;
}
