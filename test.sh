#!/usr/bin/env bash
# Runs every test: sets everything up (idempotent: npm packages, Chromium, build, the isolated worker's publish),
# then the unit, integration (real Azurite, started by the tests on free loopback ports) and browser
# tests. Results go to TestResults/*.trx; the last line is "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"
source build/setup.sh
setup
ensure_chromium
publish_worker

rm -rf TestResults
status=0
for project in tests/*/*.Tests.csproj; do
  name="$(basename "$project" .csproj)"
  echo "==> $name"
  dotnet test "$project" -c "$CONFIGURATION" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory TestResults || status=$?
done
python3 build/test-summary.py TestResults
exit $status
