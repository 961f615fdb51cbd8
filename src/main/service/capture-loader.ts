/**
 * Adapter from the core's capture ingest and trace model to the host's page-shaped LoadedTrace.
 */
import type { CaptureLoader, LoadedTrace } from './trace-source';

export class CoreCaptureLoader implements CaptureLoader {
  async load(): Promise<LoadedTrace> {
    throw new Error('capture ingest is not wired yet');
  }
}
