import { app, Menu, shell, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';

/** The native menu, macOS conventions first: app menu, File, Edit, View, Window, Help. */
export function buildMenu(getWindow: () => BrowserWindow | null): Menu {
  const isMac = process.platform === 'darwin';
  const goTo = (screen: string) => () => getWindow()?.webContents.send('sqlora:navigate', screen);
  const screens: MenuItemConstructorOptions[] = [
    ['Datasets', '1'],
    ['Train', '2'],
    ['Runs', '3'],
    ['Evaluation', '4'],
    ['Playground', '5'],
    ['Models', '6'],
  ].map(([label, key]) => ({ label, accelerator: `CmdOrCtrl+${key}`, click: goTo(label.toLowerCase()) }));

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
      submenu: [{ label: 'Open Data Folder', click: () => void shell.openPath(app.getPath('userData')) }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
