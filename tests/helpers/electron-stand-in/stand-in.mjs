/**
 * Just enough of Electron's main-process API to run the app's built main bundle under
 * Node (this box cannot download Electron): windows and menus are records, the engine's
 * utilityProcess is a Node child process, and `ipcMain.handle` keeps the handlers so a
 * driver can call the API the way the renderer does. `globalThis.electronStandIn` exposes them.
 */
import { fork } from 'node:child_process';

const handlers = new Map();
const windows = [];
const state = { handlers, windows, menu: null, userData: process.env.SQLORA_STAND_IN_USER_DATA };
globalThis.electronStandIn = state;

const events = () => {
  const listeners = new Map();
  return {
    on(name, fn) {
      listeners.set(name, [...(listeners.get(name) ?? []), fn]);
      return this;
    },
    once(name, fn) {
      return this.on(name, fn);
    },
    emit(name, ...args) {
      for (const fn of listeners.get(name) ?? []) fn(...args);
    },
  };
};

export const app = Object.assign(events(), {
  name: 'SQLoRA Workbench',
  whenReady: () => Promise.resolve(),
  getPath: (name) => {
    if (name !== 'userData') throw new Error(`stand-in: getPath(${name})`);
    return state.userData;
  },
  setBadgeCount: () => true,
  quit: () => {},
});

export class BrowserWindow {
  static getAllWindows = () => windows;
  constructor(options) {
    this.options = options;
    this.loaded = null;
    this.webContents = Object.assign(events(), { setWindowOpenHandler: () => {}, send: () => {}, isDestroyed: () => false });
    Object.assign(this, events());
    windows.push(this);
  }
  loadFile(path) {
    this.loaded = path;
    return Promise.resolve();
  }
  loadURL(url) {
    this.loaded = url;
    return Promise.resolve();
  }
  show() {}
}

export const Menu = { buildFromTemplate: (template) => ({ template }), setApplicationMenu: (menu) => (state.menu = menu) };
export class Notification {
  static isSupported = () => false;
  show() {}
}
export const dialog = { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) };
export const ipcMain = { handle: (channel, fn) => handlers.set(channel, fn), removeHandler: (channel) => handlers.delete(channel) };
export const nativeTheme = { shouldUseDarkColors: false };
export const safeStorage = { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text' };
export const session = { defaultSession: { webRequest: { onHeadersReceived: () => {} } } };
export const shell = { openPath: async () => '' };
export const utilityProcess = {
  fork(modulePath, args) {
    const child = fork(modulePath, args, { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return {
      get pid() {
        return child.pid;
      },
      postMessage: (message) => child.connected && child.send(message),
      on: (name, fn) => child.on(name, fn),
      kill: () => child.kill('SIGKILL'),
    };
  },
};
export default { app, BrowserWindow, Menu, Notification, dialog, ipcMain, nativeTheme, safeStorage, session, shell, utilityProcess };
