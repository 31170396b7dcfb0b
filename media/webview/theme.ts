// Canvas colours from the VS Code theme's CSS variables, re-read when the theme changes.
import { pack, type PackedColour } from './segmentLayer';

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
  /** Where the program received a signal (a Ctrl-C). */
  signal: string;
  font: string;
  /**
   * The segment layer's colours as pixels: waits are the wait colour at 45 % over the background,
   * a task's lifetime line the muted colour at 45 %.
   */
  pixels: { background: PackedColour; run: PackedColour; wait: PackedColour; life: PackedColour };
}

const WAIT_ALPHA = 0.45;

/** A CSS colour as RGB bytes, as the canvas itself resolves it. */
function rgb(probe: CanvasRenderingContext2D, colour: string): [number, number, number] {
  probe.fillStyle = '#000';
  probe.fillStyle = colour;
  probe.clearRect(0, 0, 1, 1);
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  return [r, g, b];
}

function pixelColours(background: string, run: string, wait: string, muted: string): Theme['pixels'] {
  const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
  const bg = rgb(probe, background);
  const over = (colour: string): PackedColour => {
    const c = rgb(probe, colour);
    const blend = (i: number): number => Math.round(c[i] * WAIT_ALPHA + bg[i] * (1 - WAIT_ALPHA));
    return pack(blend(0), blend(1), blend(2));
  };
  return { background: pack(...bg), run: pack(...rgb(probe, run)), wait: over(wait), life: over(muted) };
}

export function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const family = v('--vscode-editor-font-family', 'monospace');
  const background = v('--vscode-editor-background', '#1e1e1e');
  const run = v('--vscode-charts-blue', '#3794ff');
  const wait = v('--vscode-charts-yellow', '#cca700');
  const muted = v('--vscode-descriptionForeground', '#9d9d9d');
  return {
    background,
    foreground: v('--vscode-editor-foreground', '#d4d4d4'),
    muted,
    grid: v('--vscode-editorRuler-foreground', v('--vscode-panel-border', '#3c3c3c')),
    run,
    wait,
    span: v('--vscode-charts-purple', '#b180d7'),
    rejected: v('--vscode-charts-red', v('--vscode-errorForeground', '#f14c4c')),
    pending: v('--vscode-charts-orange', '#d18616'),
    cancelled: v('--vscode-disabledForeground', '#8b8b8b'),
    longBlock: v('--vscode-charts-red', '#f14c4c'),
    loopBusy: v('--vscode-charts-green', '#89d185'),
    selection: v('--vscode-focusBorder', '#007fd4'),
    link: v('--vscode-textLink-foreground', '#3794ff'),
    signal: v('--vscode-terminal-ansiMagenta', '#bc3fbc'),
    font: `11px ${family}`,
    pixels: pixelColours(background, run, wait, muted),
  };
}

/** Calls `onChange` when VS Code switches theme (it changes the body's class). */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}
