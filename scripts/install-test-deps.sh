#!/usr/bin/env bash
# Installs what the vscode, webview and e2e test tiers need: Debian's Chromium and a
# code-server (VS Code for the browser) patched to run offline on Node 20.
# Idempotent: a finished install is reused; the cache lives outside the repo.
set -euo pipefail

CACHE_DIR="${TASKLANE_CACHE:-$HOME/.cache/tasklane}"
CODE_SERVER_VERSION=4.100.3
ROOT="$CACHE_DIR/code-server-$CODE_SERVER_VERSION"
MARKER="$ROOT/.installed"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "tasklane: installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f "$MARKER" ]; then
  exit 0
fi

echo "tasklane: installing code-server $CODE_SERVER_VERSION into $ROOT (about 2 minutes, once)"
rm -rf "$ROOT"
mkdir -p "$ROOT"
cd "$ROOT"
echo '{"name":"tasklane-code-server","private":true}' > package.json
npm install --no-save --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" --ignore-scripts
npm_config_yes=true npm rebuild --loglevel=error argon2
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
npm_config_yes=true npm rebuild --loglevel=error kerberos node-pty @parcel/watcher @vscode/spdlog @vscode/sqlite3 native-watchdog @vscode/deviceid
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
ln -sfn code-linux.sh bin/remote-cli/code-server
ln -sfn browser-linux.sh bin/helpers/browser.sh
(cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
touch "$MARKER"
echo "tasklane: code-server ready"
