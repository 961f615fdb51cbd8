/**
 * Electron main process: one locked-down window, the native menu and dialogs, and the service API
 * carried over IPC to the preload. Everything protocol-related lives in the service host.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  screen,
  session,
  shell,
  type MenuItemConstructorOptions,
} from 'electron';
import { join } from 'node:path';
import { ApiError, Events, type MenuCommand } from '../shared/api';
import { IPC_EVENT, IPC_INVOKE } from '../shared/ipc';
import { createHost } from './service/create-host';
import { isTrustedSender } from './electron/trusted-sender';
import { CSP } from './server/browser-server';
import { APP_NAME } from './version';
import { initialWindowSize, WINDOW_MIN } from './window-size';

const rendererFile = join(import.meta.dirname, '../renderer/index.html');
const devServerUrl = process.env.ELECTRON_RENDERER_URL ?? null;
const host = createHost({
  mode: 'electron',
  electronVersions: { electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '' },
});
let win: BrowserWindow | null = null;

function sendMenu(command: MenuCommand, path?: string, sample?: string): void {
  win?.webContents.send(IPC_EVENT, Events.menuCommand, { command, path, sample });
}

async function openCaptureDialog(): Promise<void> {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, {
    title: 'Open capture',
    properties: ['openFile'],
    filters: [
      { name: 'Captures', extensions: ['pcap', 'pcapng', 'cap', 'gz', 'txt', 'sip', 'log'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  if (!r.canceled && r.filePaths[0]) openPath(r.filePaths[0]);
}

function openPath(path: string): void {
  host.openPath(path).then(
    (s) => win?.setTitle(`${s.name} — ${APP_NAME}`),
    (err: unknown) =>
      dialog.showErrorBox('Cannot open capture', err instanceof Error ? err.message : String(err)),
  );
}

async function buildMenu(): Promise<void> {
  const recent = await host.invoke('recent:list', null);
  const { samples } = await host.invoke('app:info', null);
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open capture…', accelerator: 'CmdOrCtrl+O', click: () => void openCaptureDialog() },
        {
          label: 'Open sample',
          submenu: samples.length
            ? samples.map((s) => ({ label: s.title, click: () => sendMenu('open-sample', undefined, s.id) }))
            : [{ label: 'No sample installed', enabled: false }],
        },
        {
          label: 'Open recent',
          submenu: recent.length
            ? recent.map((r) => ({ label: r.path, click: () => openPath(r.path) }))
            : [{ label: 'No recent files', enabled: false }],
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [
        {
          label: 'Toggle dark theme',
          accelerator: 'CmdOrCtrl+Shift+D',
          click: () => sendMenu('toggle-theme'),
        },
        { label: 'Keyboard shortcuts', accelerator: 'Shift+/', click: () => sendMenu('show-shortcuts') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
      ],
    },
    { label: 'Help', submenu: [{ label: `About ${APP_NAME}`, click: () => sendMenu('about') }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow(): void {
  const size = initialWindowSize(screen.getPrimaryDisplay().workAreaSize);
  win = new BrowserWindow({
    ...size,
    minWidth: WINDOW_MIN.width,
    minHeight: WINDOW_MIN.height,
    title: APP_NAME,
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  // No navigation away from the app and no new windows; links open in the user's browser.
  win.webContents.on('will-navigate', (e, url) => {
    if (!isTrustedSender(url, { rendererFile, devServerUrl })) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(rendererFile);
  win.on('closed', () => (win = null));
}

void app.whenReady().then(async () => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  ipcMain.handle(IPC_INVOKE, async (event, channel: unknown, req: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url, { rendererFile, devServerUrl })) {
      return { ok: false, error: new ApiError('forbidden', 'untrusted sender').toData() };
    }
    try {
      return { ok: true, result: await host.invoke(channel as never, req) };
    } catch (err) {
      const e =
        err instanceof ApiError
          ? err
          : new ApiError('internal', err instanceof Error ? err.message : String(err));
      return { ok: false, error: e.toData() };
    }
  });
  host.onEvent((event, payload) => {
    win?.webContents.send(IPC_EVENT, event, payload);
    if (event === Events.captureOpened) void buildMenu();
  });
  await buildMenu();
  createWindow();
  for (const arg of process.argv.slice(app.isPackaged ? 1 : 2)) if (!arg.startsWith('-')) openPath(arg);
});

app.on('window-all-closed', () => {
  void host.dispose().finally(() => app.quit());
});
