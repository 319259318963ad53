import { app, Menu, shell, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { SCREEN_TITLES, SCREENS } from '../api/screens';

/** The native menu, macOS conventions first: app menu, File, Edit, View, Window, Help. */
export function buildMenu(getWindow: () => BrowserWindow | null): Menu {
  const isMac = process.platform === 'darwin';
  const goTo = (screen: string) => () => getWindow()?.webContents.send('sqlora:navigate', screen);
  // Cmd+1..7 here are the keys the renderer handles itself in a browser.
  const screens: MenuItemConstructorOptions[] = SCREENS.map((screen, i) => ({
    label: SCREEN_TITLES[screen],
    accelerator: `CmdOrCtrl+${i + 1}`,
    click: goTo(screen),
  }));

  const template: MenuItemConstructorOptions[] = [
    ...(isMac
      ? [
          {
            label: app.name,
            submenu: [
              { role: 'about' },
              { type: 'separator' },
              { label: 'Settings…', accelerator: 'Cmd+,', click: goTo('settings') },
              { type: 'separator' },
              { role: 'services' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    {
      label: 'File',
      submenu: [
        { label: 'Import Dataset…', accelerator: 'CmdOrCtrl+O', click: () => getWindow()?.webContents.send('sqlora:navigate', 'datasets:open') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [...screens, { type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Getting Started Guide', click: goTo('guide') },
        { label: 'Open Data Folder', click: () => void shell.openPath(app.getPath('userData')) },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
