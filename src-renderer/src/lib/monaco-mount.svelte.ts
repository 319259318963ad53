import { app } from './state.svelte';

type MonacoLib = typeof import('./monaco');

/**
 * For a component that shows Monaco: load it on first use (it is large, and most
 * screens never need it), call `create` once it is there, dispose what `create`
 * returns when the component goes, and keep the editor theme in step with the app's
 * light/dark mode. Call during component initialisation.
 */
export function useMonaco(create: (lib: MonacoLib) => () => void): void {
  let lib = $state<MonacoLib | null>(null);
  $effect(() => {
    let disposed = false;
    let cleanup = () => {};
    void import('./monaco').then((loaded) => {
      if (disposed) return;
      loaded.applyEditorTheme(app.theme);
      cleanup = create(loaded);
      lib = loaded;
    });
    return () => {
      disposed = true;
      cleanup();
    };
  });
  $effect(() => {
    const theme = app.theme;
    lib?.applyEditorTheme(theme);
  });
}
