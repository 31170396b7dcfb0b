// Wires the extension together; everything it creates is disposed with it.
import * as vscode from 'vscode';
import { Controller, type TasklaneTestApi } from './controller';
import { TracePanel } from './panel/tracePanel';

/** *.tasklane.json files open as a timeline, read-only. */
const TRACE_EDITOR = 'tasklane.traceFile';

export function activate(context: vscode.ExtensionContext): { testApi: TasklaneTestApi } {
  const began = performance.now();
  const log = vscode.window.createOutputChannel('Tasklane', { log: true });
  const controller = new Controller(context.extensionUri, log, context.globalStorageUri.fsPath);
  context.subscriptions.push(
    log,
    controller,
    vscode.commands.registerCommand('tasklane.runWithTrace', (uri?: vscode.Uri) => controller.runWithTrace(uri)),
    vscode.commands.registerCommand('tasklane.stop', () => controller.stop()),
    vscode.commands.registerCommand('tasklane.openTraceFile', (uri?: vscode.Uri) => controller.openTraceFile(uri)),
    vscode.commands.registerCommand('tasklane.exportTrace', (uri?: vscode.Uri) => controller.exportTrace(uri)),
    vscode.window.registerWebviewPanelSerializer(TracePanel.viewType, { deserializeWebviewPanel: (panel, state) => controller.restorePanel(panel, state) }),
    vscode.window.registerCustomEditorProvider(TRACE_EDITOR, {
      openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
      resolveCustomEditor: (document, panel) => controller.showTraceFile(document.uri, panel),
    } satisfies vscode.CustomReadonlyEditorProvider),
  );
  // Read by bench/package.mjs, which reports activation time against the 50 ms goal.
  log.info(`Activated in ${(performance.now() - began).toFixed(1)} ms`);
  return { testApi: controller.testApi };
}
