// The timeline webview. Renders only what the host sends, always as text (textContent), never HTML.
import type { HostMessage, PanelState, WebviewMessage } from '../../src/shared/protocol';
import { renderSummary } from './summary';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;

function isHostMessage(data: unknown): data is HostMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'state' && typeof (data as { state?: unknown }).state === 'object';
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostMessage(event.data)) return;
  render(event.data.state);
});

function render(state: PanelState): void {
  renderSummary(app, state, (site) => vscode.postMessage({ type: 'openSite', site }));
}

vscode.postMessage({ type: 'ready' });
