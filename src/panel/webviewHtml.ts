// Binds the page to a real webview: its URIs, its CSP source and a fresh nonce per load.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { pageHtml } from './pageHtml';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return pageHtml({
    nonce: crypto.randomBytes(18).toString('base64'),
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css')).toString(),
  });
}
