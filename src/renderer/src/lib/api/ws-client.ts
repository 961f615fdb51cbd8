/**
 * Browser mode: the service API over a WebSocket to `sipscope serve` (same contract as the preload).
 */
import {
  ApiError,
  type EventChannel,
  type EventMap,
  type InvokeChannel,
  type InvokeReq,
  type InvokeRes,
  type SipscopeApi,
  type WsClientFrame,
  type WsServerFrame,
} from '@shared/api';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class WsApiClient implements SipscopeApi {
  readonly mode = 'browser' as const;
  readonly #url: string;
  #ws: WebSocket | null = null;
  #opening: Promise<WebSocket> | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();
  /** Called when the connection drops (the server stopped). */
  onDisconnect: (() => void) | null = null;

  constructor(url: string) {
    this.#url = url;
  }

  #connect(): Promise<WebSocket> {
    if (this.#ws && this.#ws.readyState === WebSocket.OPEN) return Promise.resolve(this.#ws);
    this.#opening ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.#url);
      ws.onopen = () => {
        this.#ws = ws;
        this.#opening = null;
        resolve(ws);
      };
      ws.onerror = () => {
        this.#opening = null;
        reject(new ApiError('internal', `cannot connect to the sipscope service at ${this.#url}`));
      };
      ws.onclose = () => {
        this.#ws = null;
        for (const p of this.#pending.values())
          p.reject(new ApiError('internal', 'the sipscope service went away'));
        this.#pending.clear();
        this.onDisconnect?.();
      };
      ws.onmessage = (e) => this.#onFrame(JSON.parse(String(e.data)) as WsServerFrame);
    });
    return this.#opening;
  }

  #onFrame(frame: WsServerFrame): void {
    if (frame.type === 'result') {
      const p = this.#pending.get(frame.id);
      if (!p) return;
      this.#pending.delete(frame.id);
      if (frame.envelope.ok) p.resolve(frame.envelope.result);
      else p.reject(ApiError.from(frame.envelope.error));
    } else {
      for (const l of this.#listeners.get(frame.event) ?? []) l(frame.payload);
    }
  }

  async invoke<K extends InvokeChannel>(channel: K, req: InvokeReq<K>): Promise<InvokeRes<K>> {
    const ws = await this.#connect();
    const id = this.#nextId++;
    const frame: WsClientFrame = { type: 'invoke', id, channel, req };
    return new Promise<InvokeRes<K>>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify(frame));
    });
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    void this.#connect().catch(() => undefined);
    return () => set.delete(l);
  }

  /** Uploads a file the user picked or dropped; returns the token for `capture:openUpload`. */
  async upload(file: File, onProgress?: (done: number, total: number) => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', new URL('api/upload', location.href).toString());
      xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total);
      xhr.onload = () => {
        if (xhr.status === 200) resolve((JSON.parse(xhr.responseText) as { token: string }).token);
        else reject(new ApiError('unreadable', `upload failed: ${xhr.status} ${xhr.responseText}`));
      };
      xhr.onerror = () => reject(new ApiError('unreadable', 'upload failed: network error'));
      xhr.send(file);
    });
  }
}
