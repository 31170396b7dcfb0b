// Canvas colours from the VS Code theme's CSS variables, re-read when the theme changes.

export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  run: string;
  wait: string;
  span: string;
  rejected: string;
  pending: string;
  cancelled: string;
  longBlock: string;
  loopBusy: string;
  selection: string;
  link: string;
  font: string;
}

export function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const family = v('--vscode-editor-font-family', 'monospace');
  return {
    background: v('--vscode-editor-background', '#1e1e1e'),
    foreground: v('--vscode-editor-foreground', '#d4d4d4'),
    muted: v('--vscode-descriptionForeground', '#9d9d9d'),
    grid: v('--vscode-editorRuler-foreground', v('--vscode-panel-border', '#3c3c3c')),
    run: v('--vscode-charts-blue', '#3794ff'),
    wait: v('--vscode-charts-yellow', '#cca700'),
    span: v('--vscode-charts-purple', '#b180d7'),
    rejected: v('--vscode-charts-red', v('--vscode-errorForeground', '#f14c4c')),
    pending: v('--vscode-charts-orange', '#d18616'),
    cancelled: v('--vscode-disabledForeground', '#8b8b8b'),
    longBlock: v('--vscode-charts-red', '#f14c4c'),
    loopBusy: v('--vscode-charts-green', '#89d185'),
    selection: v('--vscode-focusBorder', '#007fd4'),
    link: v('--vscode-textLink-foreground', '#3794ff'),
    font: `11px ${family}`,
  };
}

/** Calls `onChange` when VS Code switches theme (it changes the body's class). */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}
