// The accessible text parts: the run's state and counts, the selected task, and all tasks as a table.
import type { PanelState, TimelineTask } from '../../src/shared/protocol';
import { endWords, formatDuration as formatUs } from '../../src/trace/format';
import { laneOwner, ownStretch, timeWithin } from '../../src/trace/spanTime';
import { inertText } from './inertText';
import type { TimelineStore } from './timelineStore';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = inertText(text);
  if (className) node.className = className;
  return node;
}

function shortSite(site: string): string {
  const m = /([^/\\]+):(\d+):\d+$/.exec(site);
  return m ? `${m[1]}:${m[2]}` : site;
}

function siteLink(site: string, openSite: (site: string) => void): HTMLAnchorElement {
  const link = el('a', shortSite(site));
  link.href = '#';
  link.title = inertText(site);
  link.addEventListener('click', (e) => {
    e.preventDefault();
    openSite(site);
  });
  return link;
}

export function renderSummary(root: HTMLElement, state: PanelState): void {
  const heading = el('h1', state.title);
  const status = el('p', state.statusText, `status status-${state.status}`);
  status.id = 'status';
  status.dataset.status = state.status;
  const hidden = state.hiddenCount ? ` (${state.hiddenCount} internal hidden)` : '';
  const counts = el('p', `${state.taskCount} tasks${hidden} · ${state.eventCount} events · ${formatUs(state.duration)}`);
  counts.id = 'counts';
  counts.dataset.tasks = String(state.taskCount);
  counts.dataset.events = String(state.eventCount);
  root.replaceChildren(heading, status, counts);
}

/** The part of the run in view, for screen readers and tests: "Showing 12.0 ms – 45.0 ms". */
export function renderViewRange(node: HTMLElement, start: number, span: number): void {
  node.textContent = `Showing ${formatUs(Math.max(0, start))} – ${formatUs(Math.max(0, start + span))}`;
}

export function renderTable(table: HTMLTableElement, state: PanelState, openSite: (site: string) => void): void {
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
    if (t.site) siteCell.append(siteLink(t.site, openSite));
    row.append(el('td', String(t.id)), el('td', t.name, 'name'), el('td', t.kind), el('td', t.parent ? String(t.parent) : ''), siteCell,
      el('td', formatUs(t.created)), el('td', formatUs(t.ended)), el('td', formatUs(t.running)), el('td', formatUs(t.waiting)), el('td', t.state, `state state-${t.state.split(':')[0]}`));
    tbody.append(row);
  }
  table.replaceChildren(caption, thead, tbody);
}

/**
 * A task's running time, its number of waits and the index of its last, on its lane: a coroutine
 * span's are its task's while it is open (see spanTime).
 */
function ownTime(task: TimelineTask, store: TimelineStore): { lane: TimelineTask; running: number; waits: number; lastWait: number } {
  const lane = laneOwner(task, store.tasks);
  const [from, to] = ownStretch(task, lane, task.created, store.endOf(task.end ? task.end.t : -1));
  const running = timeWithin(lane.runs, from, to, (end) => store.endOf(end));
  let waits = 0;
  let lastWait = -1;
  for (let i = 0; i * 2 < lane.waits.length; i++) {
    if (lane.waits[i * 2] < from || lane.waits[i * 2] >= to) continue;
    waits++;
    lastWait = i;
  }
  return { lane, running, waits, lastWait };
}

/** The selected task's details, with links to where it was created and where it waited. */
export function renderDetails(root: HTMLElement, task: TimelineTask | undefined, store: TimelineStore, openSite: (site: string) => void): void {
  if (!task) {
    root.replaceChildren(el('p', 'Select a task on the timeline to see its details.', 'hint'));
    return;
  }
  const parent = store.tasks.get(task.parent);
  const ended = task.end ? `${endWords(task.end.state, task.end.message)} at ${formatUs(task.end.t)}` : store.live ? 'running' : 'pending at the end of the run';
  const { lane, running, waits, lastWait } = ownTime(task, store);
  const list = el('dl');
  const add = (term: string, value: string | Node): void => {
    list.append(el('dt', term));
    const dd = el('dd');
    dd.append(typeof value === 'string' ? inertText(value) : value);
    list.append(dd);
  };
  add('Task', `#${task.id} ${task.name}`);
  add('Kind', task.kind);
  add('Parent', parent ? `#${parent.id} ${parent.name}` : '—');
  add('Created', formatUs(task.created));
  add('Created at', task.site ? siteLink(task.site, openSite) : '—');
  add('Running', formatUs(running));
  add('Waits', `${waits}`);
  if (lastWait >= 0) {
    const wait = el('span', `${lane.waitLabels[lastWait]} `);
    if (lane.waitSites[lastWait]) wait.append(siteLink(lane.waitSites[lastWait], openSite));
    if (lane.waitWakers[lastWait]) wait.append(inertText(`, woken by ${store.describe(lane.waitWakers[lastWait])}`));
    add('Last wait', wait);
  }
  add('Ended', ended);
  if (task.end?.site) add('Where', siteLink(task.end.site, openSite));
  root.replaceChildren(el('h2', 'Selected task'), list);
}
