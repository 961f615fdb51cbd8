/**
 * The preload: exposes exactly one object, `window.sipscope`, implementing the service API over IPC.
 * Never exposes ipcRenderer itself (STYLE.md habit 11). Runs sandboxed (CommonJS output).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  ApiError,
  isEventChannel,
  isInvokeChannel,
  type Envelope,
  type EventChannel,
  type EventMap,
  type InvokeChannel,
  type InvokeReq,
  type InvokeRes,
  type SipscopeApi,
} from '../shared/api';
import { IPC_EVENT, IPC_INVOKE } from '../shared/ipc';

const api: SipscopeApi & { pathForFile(file: File): string } = {
  mode: 'electron',
  async invoke<K extends InvokeChannel>(channel: K, req: InvokeReq<K>): Promise<InvokeRes<K>> {
    if (!isInvokeChannel(channel))
      throw new ApiError('unknown-channel', `unknown channel ${String(channel)}`);
    const env = (await ipcRenderer.invoke(IPC_INVOKE, channel, req)) as Envelope<InvokeRes<K>>;
    if (env.ok) return env.result;
    throw ApiError.from(env.error);
  },
  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    if (!isEventChannel(event)) throw new ApiError('unknown-channel', `unknown event ${String(event)}`);
    const wrapped = (_e: unknown, name: string, payload: EventMap[E]): void => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT, wrapped);
    return () => void ipcRenderer.removeListener(IPC_EVENT, wrapped);
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('sipscope', api);
