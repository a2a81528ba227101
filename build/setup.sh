#!/usr/bin/env bash
# Shared, idempotent set-up for ./run.sh and ./test.sh on a fresh machine:
#   npm packages from package.json (Azurite, GOV.UK Frontend, axe-core),
#   restore and build of the solution.
# Browser tests also need Debian's Chromium: ensure_chromium installs it when missing.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_npm_packages() {
  cd "$REPO_ROOT"
  if [ ! -x node_modules/.bin/azurite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci (Azurite, GOV.UK Frontend, axe-core, Redocly CLI, NSwag CLI)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "==> apt-get install chromium (for the browser tests)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
  fi
}

ensure_native_toolchain() {
  # NativeAOT links with clang against zlib (Debian's clang and zlib1g-dev).
  if ! command -v clang >/dev/null || [ ! -f /usr/include/zlib.h ]; then
    echo "==> apt-get install clang zlib1g-dev (for the NativeAOT publish)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq clang zlib1g-dev >/dev/null
  fi
}

# The function app as the NativeAOT linux-x64 executable Azure runs, into artifacts/native (host.json and
# the function folders beside it). The native smoke test runs it.
publish_native() {
  cd "$REPO_ROOT"
  ensure_native_toolchain
  echo "==> dotnet publish (NativeAOT, linux-x64) -> artifacts/native"
  dotnet publish functions/ReferralIntake.Functions -c Release -r linux-x64 -o artifacts/native --nologo -v quiet -clp:ErrorsOnly
}

build_solution() {
  cd "$REPO_ROOT"
  echo "==> dotnet build ($CONFIGURATION)"
  dotnet build ReferralIntake.sln -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly
}

setup() {
  ensure_npm_packages
  build_solution
}
