// The webview's page (pure, so the webview tests serve exactly what the extension serves):
// a strict Content Security Policy with a per-load nonce; scripts and styles only from the
// extension's own files.

export interface PageResources {
  nonce: string;
  /** The webview's own origin for styles, images and fonts (webview.cspSource). */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
}

export function pageHtml(r: PageResources): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${r.nonce}'`,
    `style-src ${r.cspSource}`,
    `img-src ${r.cspSource} data:`,
    `font-src ${r.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${r.styleUri}">
<title>Tasklane</title>
</head>
<body>
<main id="app" aria-live="polite"></main>
<script nonce="${r.nonce}" src="${r.scriptUri}"></script>
</body>
</html>`;
}
