// The accessible text summary: the run's state and counts, and the tasks as a table.
import type { PanelState } from '../../src/shared/protocol';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function formatUs(us: number): string {
  if (us < 1000) return `${us.toFixed(0)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

function shortSite(site: string): string {
  const m = /([^/\\]+):(\d+):\d+$/.exec(site);
  return m ? `${m[1]}:${m[2]}` : site;
}

export function renderSummary(root: HTMLElement, state: PanelState, openSite: (site: string) => void): void {
  const summary = el('section');
  summary.id = 'summary';
  summary.setAttribute('aria-label', 'Run summary');
  const heading = el('h1', state.title);
  const status = el('p', state.statusText, `status status-${state.status}`);
  status.id = 'status';
  status.dataset.status = state.status;
  const hidden = state.hiddenCount ? ` (${state.hiddenCount} internal hidden)` : '';
  const counts = el('p', `${state.taskCount} tasks${hidden} · ${state.eventCount} events · ${formatUs(state.duration)}`);
  counts.id = 'counts';
  counts.dataset.tasks = String(state.taskCount);
  counts.dataset.events = String(state.eventCount);
  summary.append(heading, status, counts);

  const table = el('table');
  table.id = 'tasks';
  const caption = el('caption', state.tasks.length < state.taskCount ? `First ${state.tasks.length} of ${state.taskCount} tasks` : 'Tasks');
  const head = el('tr');
  for (const h of ['#', 'Task', 'Kind', 'Parent', 'Created at', 'Start', 'End', 'Running', 'Waiting', 'Ended']) head.append(el('th', h));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const t of state.tasks) {
    const row = el('tr');
    row.dataset.taskId = String(t.id);
    const siteCell = el('td');
    if (t.site) {
      const link = el('a', shortSite(t.site));
      link.href = '#';
      link.title = t.site;
      link.addEventListener('click', (e) => {
        e.preventDefault();
        openSite(t.site);
      });
      siteCell.append(link);
    }
    row.append(el('td', String(t.id)), el('td', t.name, 'name'), el('td', t.kind), el('td', t.parent ? String(t.parent) : ''), siteCell,
      el('td', formatUs(t.created)), el('td', formatUs(t.ended)), el('td', formatUs(t.running)), el('td', formatUs(t.waiting)), el('td', t.state, `state state-${t.state.split(':')[0]}`));
    tbody.append(row);
  }
  table.append(caption, thead, tbody);
  root.replaceChildren(summary, table);
}
