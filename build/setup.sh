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

# The function app as Azure runs it: the isolated worker, framework-dependent and ReadyToRun for linux-x64,
# into artifacts/worker (host.json, functions.metadata and worker.config.json beside it): what infra/ deploys,
# what ./run.sh serves under the local host, and what the worker contract and smoke tests run.
publish_worker() {
  cd "$REPO_ROOT"
  echo "==> dotnet publish (isolated worker, ReadyToRun, linux-x64) -> artifacts/worker"
  rm -rf artifacts/worker # a clean folder: nothing an older build left behind is served or deployed
  dotnet publish functions/ReferralIntake.Functions -c Release -r linux-x64 --self-contained false -o artifacts/worker --nologo -v quiet -clp:ErrorsOnly
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
