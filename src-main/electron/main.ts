import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, safeStorage, session, utilityProcess } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../api/http';
import { serveOverIpc } from '../api/ipc';
import type { EngineChannel } from '../engine/host';
import type { SecretCipher } from '../models';
import { createBackend } from '../services';
import { notifyWhenJobsEnd } from './notifications';
import { buildMenu } from './menu';

/**
 * The Electron glue, kept thin on purpose: window, menu, IPC registration and the
 * engine's utilityProcess. Everything else lives in plain modules that the CLI and
 * the tests exercise without Electron.
 */

/** The engine as an Electron utilityProcess (a Node child process under the CLI). */
function spawnUtilityEngine(): EngineChannel {
  const child = utilityProcess.fork(join(import.meta.dirname, 'engine.js'), [], { serviceName: 'SQLoRA Engine', stdio: 'inherit' });
  return {
    get pid() {
      return child.pid ?? null;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code) => listener(code, null)),
    kill: () => void child.kill(),
  };
}

/**
 * The OS keychain for the Hugging Face token setting, or null. On Linux without a
 * secret service safeStorage falls back to a fixed key ('basic_text'), which is
 * not encryption: the app then refuses to save a token rather than pretend.
 */
function keychainCipher(): SecretCipher | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return null;
  return { encrypt: (plain) => safeStorage.encryptString(plain), decrypt: (data) => safeStorage.decryptString(data) };
}

let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    title: 'SQLoRA Workbench',
    titleBarStyle: process.platform === 'darwin' ? 'hiddenInset' : 'default',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1c1c1e' : '#ffffff',
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
  window.once('ready-to-show', () => window.show());
  // No remote content: navigation and new windows are blocked outright.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return window;
}

app.whenReady().then(() => {
  const backend = createBackend({
    dataDir: app.getPath('userData'),
    transport: 'ipc',
    spawnEngine: spawnUtilityEngine,
    electronVersion: process.versions.electron,
    // scripts/start.mjs builds better-sqlite3 for Electron's ABI beside the Node one the CLI and tests use.
    sqliteBinding: process.env.SQLORA_SQLITE_BINDING || undefined,
    secrets: keychainCipher(),
  });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  serveOverIpc(ipcMain, backend.handlers, backend.bus, () => BrowserWindow.getAllWindows().map((w) => w.webContents));
  ipcMain.handle('sqlora:open-files', async (_event, options: { title: string; filters?: { name: string; extensions: string[] }[]; directory?: boolean }) => {
    const result = await dialog.showOpenDialog({
      title: options.title,
      filters: options.filters,
      properties: options.directory ? ['openDirectory'] : ['openFile', 'multiSelections'],
    });
    return result.canceled ? [] : result.filePaths;
  });

  Menu.setApplicationMenu(buildMenu(() => mainWindow));
  mainWindow = createWindow();
  notifyWhenJobsEnd(backend.bus, () => mainWindow);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
  app.on('before-quit', () => void backend.close());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
