/** The two Electron IPC channel names the preload and main use to carry the service API. */
export const IPC_INVOKE = 'sipscope:invoke';
export const IPC_EVENT = 'sipscope:event';
