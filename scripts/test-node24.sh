#!/usr/bin/env bash
# Runs the unit tests of core and the conformance suite of every backend on Node 24 (the current LTS),
# the other tested Node version besides the one that runs `pnpm test` (see scripts/node24.sh). Needs the build.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
exec bash scripts/node24.sh node_modules/vitest/vitest.mjs run --project core \
  --project backend-ts --project backend-onnx --project backend-tfjs --project backend-webgpu \
  src/conformance.test.ts packages/core/src "$@"
