// The environment a script the extension runs starts with. Imports nothing from vscode.

/**
 * Variables of VS Code's and Electron's own, which the extension host has and a program started
 * from a terminal does not: VS Code drops the same ones for its terminals and tasks. The script
 * would pass them on: ELECTRON_RUN_AS_NODE makes an Electron app it starts (a desktop app, VS Code
 * itself) run as plain Node.
 */
const HOST_ONLY = [/^ELECTRON_.+$/, /^VSCODE_(?!(PORTABLE|SHELL_LOGIN|ENV_REPLACE|ENV_APPEND|ENV_PREPEND)).+$/, /^SNAP(|_.*)$/, /^GDK_PIXBUF_.+$/];

/** The extension host's environment without its own variables, with the user's (`tasklane.env`) over it. */
export function scriptEnvironment(host: NodeJS.ProcessEnv, configured: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(host)) {
    if (!HOST_ONLY.some((hostOnly) => hostOnly.test(key))) env[key] = value;
  }
  return { ...env, ...configured };
}
