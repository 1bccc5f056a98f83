#!/usr/bin/env bash
# Sets up a fresh machine for attnkit development: pnpm, the system packages the tests need, and the
# workspace's dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.21.0
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

# System packages (Chromium: its software Vulkan driver runs WebGPU without a GPU, and it runs the browser tests).
if [ -f scripts/system-packages.txt ]; then
  missing=()
  while read -r pkg; do
    [ -z "$pkg" ] || [[ "$pkg" == \#* ]] && continue
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done < scripts/system-packages.txt
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "setup: installing system packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: missing system packages: ${missing[*]}"
      echo "setup: install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
      echo "setup: (without them the WebGPU and browser tests are skipped outside CI and fail under CI)"
    fi
  fi
fi

export TURBO_TELEMETRY_DISABLED=1
if [ -n "${CI:-}" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi
