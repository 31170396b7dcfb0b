// Source locations named by a trace, and opening one in an editor beside the panel.
import * as vscode from 'vscode';
import type { TraceModel } from '../trace/model';

/** Every "file:line:column" the trace mentions; the panel may open only these. */
export function sitesOf(model: TraceModel): Set<string> {
  const sites = new Set<string>();
  for (const task of model.tasks.values()) {
    if (task.site) sites.add(task.site);
    if (task.end?.site) sites.add(task.end.site);
    for (const wait of task.waits) if (wait.site) sites.add(wait.site);
  }
  return sites;
}

export async function openSite(site: string): Promise<vscode.TextEditor | undefined> {
  const m = /^(.*):(\d+):(\d+)$/.exec(site);
  if (!m) return undefined;
  const uri = m[1].startsWith('file://') ? vscode.Uri.parse(m[1]) : vscode.Uri.file(m[1]);
  const position = new vscode.Position(Math.max(0, Number(m[2]) - 1), Math.max(0, Number(m[3]) - 1));
  try {
    return await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.One, preview: true });
  } catch (err) {
    void vscode.window.showErrorMessage(`Tasklane could not open ${m[1]}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
