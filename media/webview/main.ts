// The timeline webview. Renders only what the host sends: text through textContent, the
// timeline on a canvas. Never builds HTML from trace data.
import type { HostMessage, PanelState, SavedPanelState, TimelineTask, WebviewMessage } from '../../src/shared/protocol';
import { renderDetails, renderSummary, renderTable, renderViewRange } from './summary';
import { TimelineView, type ViewState } from './timeline';
import { TimelineStore } from './timelineStore';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): (Partial<ViewState> & SavedPanelState) | undefined;
  setState(state: ViewState & SavedPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, id?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (id) node.id = id;
  return node;
}

const summary = el('section', 'summary');
summary.setAttribute('aria-label', 'Run summary');
const toolbar = el('div', 'toolbar');
const filter = el('input', 'filter');
filter.type = 'search';
filter.placeholder = 'Filter or find tasks';
filter.setAttribute('aria-label', 'Filter tasks by name; Enter selects the next match, Shift+Enter the previous one');
const internal = el('input', 'show-internal');
internal.type = 'checkbox';
const internalLabel = el('label');
internalLabel.append(internal, ' show internal tasks');
const fitButton = el('button', 'fit');
fitButton.textContent = 'Zoom to fit';
const viewRange = el('span', 'view-range');
toolbar.append(filter, internalLabel, fitButton, viewRange);
const timelineBox = el('div', 'timeline');
const tooltip = el('div', 'tooltip');
tooltip.setAttribute('role', 'tooltip');
tooltip.hidden = true;
const details = el('section', 'details');
details.setAttribute('aria-label', 'Selected task');
details.setAttribute('aria-live', 'polite');
const tableBox = el('details', 'table-box');
const tableTitle = el('summary');
tableTitle.textContent = 'All tasks as a table';
const table = el('table', 'tasks');
tableBox.append(tableTitle, table);
app.replaceChildren(summary, toolbar, timelineBox, details, tableBox, tooltip);

const openSite = (site: string): void => vscode.postMessage({ type: 'openSite', site });
const store = new TimelineStore();
const saved = vscode.getState();
// Where the host keeps a copy of this trace, so that VS Code can reopen the panel after a reload.
let restore: SavedPanelState = { restoreFile: saved?.restoreFile, title: saved?.title };
const view = new TimelineView(timelineBox, store, {
  onSelect: (task) => renderDetails(details, task, store, openSite),
  onHover: (task, x, y, text) => showTooltip(task, x, y, text),
  onOpen: openSite,
  onViewChange: (state) => {
    vscode.setState({ ...state, ...restore });
    renderViewRange(viewRange, state.start, state.span);
  },
}, saved);
const showViewRange = (): void => {
  const { start, span } = view.viewState();
  renderViewRange(viewRange, start, span);
};
showViewRange();
filter.value = view.filter;
internal.checked = !view.hideInternal;

filter.addEventListener('input', () => view.setFilter(filter.value, !internal.checked));
filter.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  view.findNext(e.shiftKey);
});
internal.addEventListener('change', () => view.setFilter(filter.value, !internal.checked));
fitButton.addEventListener('click', () => view.fit());

function showTooltip(task: TimelineTask | undefined, x: number, y: number, text: string): void {
  if (!task) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = text;
  tooltip.hidden = false;
  const box = timelineBox.getBoundingClientRect();
  tooltip.style.left = `${Math.min(box.left + x + 12, window.innerWidth - 260)}px`;
  tooltip.style.top = `${box.top + y + 14}px`;
}

function isHostMessage(data: unknown): data is HostMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as { type?: unknown; state?: unknown; update?: unknown };
  return (m.type === 'state' && typeof m.state === 'object' && m.state !== null) || (m.type === 'timeline' && typeof m.update === 'object' && m.update !== null);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostMessage(event.data)) return;
  const message = event.data;
  if (message.type === 'timeline') {
    try {
      store.apply(message.update);
    } catch (err) {
      console.error(`Tasklane refused a damaged timeline update: ${String(err)}`);
    }
    vscode.postMessage({ type: 'applied' });
    view.update();
    showViewRange(); // a live run's view follows its end without a change of the user's
    if (view.selected) renderDetails(details, store.tasks.get(view.selected), store, openSite);
  } else {
    render(message.state);
  }
});

function render(state: PanelState): void {
  if (state.restoreFile && state.restoreFile !== restore.restoreFile) {
    restore = { restoreFile: state.restoreFile, title: state.title };
    vscode.setState({ ...view.viewState(), ...restore });
  }
  renderSummary(summary, state);
  renderTable(table, state, openSite);
}

vscode.postMessage({ type: 'ready' });
