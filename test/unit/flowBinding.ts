// Which slice Perfetto ties each flow event of a Chrome trace to, read the way its JSON importer
// reads: events in time order (ties in file order, times rounded to whole nanoseconds), each `X`
// pushed on its lane's stack, and a flow tied to the top of that stack, which is the lane's latest
// slice to begin whether or not it still holds the flow's moment; with no slice yet, the flow is lost.
import type { ChromeEvent, ChromeTrace } from '../../src/trace/chromeTrace';

/** Each flow event that does not land on a slice holding its moment, said in a line. */
export function unboundFlows(trace: ChromeTrace): string[] {
  const ns = (us: number): number => Math.round(us * 1000);
  const ordered = trace.traceEvents.map((e, i) => [e, i] as const).filter(([e]) => e.ph !== 'M').sort(([a, i], [b, j]) => ns(a.ts) - ns(b.ts) || i - j);
  const latest = new Map<number, ChromeEvent>();
  const problems: string[] = [];
  for (const [e] of ordered) {
    if (e.ph === 'X') latest.set(e.tid, e);
    if (e.ph !== 's' && e.ph !== 'f') continue;
    const slice = latest.get(e.tid);
    const what = `${e.cat} flow ${e.id} (${e.ph}) on lane ${e.tid} at ${e.ts} µs`;
    if (!slice) problems.push(`${what}: no slice there yet, so Perfetto drops it`);
    else if (ns(slice.ts) + ns(slice.dur!) < ns(e.ts)) problems.push(`${what}: tied to "${slice.name}", which ended at ${slice.ts + slice.dur!} µs`);
  }
  return problems;
}
