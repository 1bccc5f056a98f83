#!/usr/bin/env bash
# System packages for @attnkit/backend-webgpu's tests on a machine without a GPU (Debian/Ubuntu):
#   chromium   - headless Chromium for the browser test, and SwiftShader's Vulkan driver
#                (/usr/lib/chromium/vk_swiftshader_icd.json) that Dawn runs on in Node
#   libvulkan1 - the Vulkan loader Dawn opens
# As root it installs what is missing (non-interactive); otherwise it prints the command to run.
set -euo pipefail

ICD=/usr/lib/chromium/vk_swiftshader_icd.json
missing=()
[ -x /usr/bin/chromium ] && [ -f "$ICD" ] || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || missing+=(libvulkan1)

if [ ${#missing[@]} -eq 0 ]; then
  echo "backend-webgpu: chromium, SwiftShader ($ICD) and libvulkan1 are present"
  exit 0
fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium libvulkan1"
if [ "$(id -u)" -ne 0 ]; then
  echo "backend-webgpu: missing ${missing[*]}; as root run:" >&2
  echo "  $cmd" >&2
  exit 1
fi
echo "backend-webgpu: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libvulkan1
[ -f "$ICD" ] || { echo "backend-webgpu: chromium is installed but $ICD is missing" >&2; exit 1; }
