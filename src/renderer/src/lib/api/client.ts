/**
 * The one client object the renderer uses: the preload's `window.sipscope` in Electron, a WebSocket
 * client in browser mode. Components never talk to transports directly.
 */
import { Invoke, type CaptureSummary, type MergedCaptureInput, type SipscopeApi } from '@shared/api';
import { WsApiClient } from './ws-client';

interface ElectronBridge extends SipscopeApi {
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    sipscope?: ElectronBridge;
  }
}

export interface Client extends SipscopeApi {
  /** Opens a file the user dropped or picked (a path in Electron, an upload in browser mode). */
  openFile(file: File, onUpload?: (done: number, total: number) => void): Promise<CaptureSummary>;
  /** Opens several files as one capture, merged by time (capture:openMerged). */
  openFiles(
    files: readonly File[],
    onUpload?: (file: File, done: number, total: number) => void,
  ): Promise<CaptureSummary>;
}

export function createClient(): Client {
  const bridge = window.sipscope;
  if (bridge) {
    return {
      mode: 'electron',
      invoke: (ch, req) => bridge.invoke(ch, req),
      on: (ev, l) => bridge.on(ev, l),
      openFile: (file) => bridge.invoke(Invoke.captureOpenPath, { path: bridge.pathForFile(file) }),
      openFiles: (files) =>
        bridge.invoke(Invoke.captureOpenMerged, {
          captures: files.map((f) => ({ path: bridge.pathForFile(f) })),
        }),
    };
  }
  const wsUrl = new URL('ws', location.href);
  wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WsApiClient(wsUrl.toString());
  return {
    mode: 'browser',
    invoke: (ch, req) => ws.invoke(ch, req),
    on: (ev, l) => ws.on(ev, l),
    openFile: async (file, onUpload) => {
      const token = await ws.upload(file, onUpload);
      return ws.invoke(Invoke.captureOpenUpload, { token, name: file.name });
    },
    openFiles: async (files, onUpload) => {
      const captures: MergedCaptureInput[] = [];
      for (const f of files)
        captures.push({ token: await ws.upload(f, (d, t) => onUpload?.(f, d, t)), name: f.name });
      return ws.invoke(Invoke.captureOpenMerged, { captures });
    },
  };
}
