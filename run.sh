#!/usr/bin/env bash
# Runs ReferralIntake locally: sets everything up (idempotent), starts Azurite on loopback with its
# data in .azurite/ (git-ignored), and serves the app on http://127.0.0.1:7071 until Ctrl-C: the isolated
# worker under the local Functions host (tools/LocalFunctionsHost), as Azure runs it under the real one.
set -euo pipefail
cd "$(dirname "$0")"
source build/setup.sh
setup
publish_worker

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json
# An older local.settings.json keeps the developer's own values but gains any setting added to the sample since.
python3 - <<'PY'
import json
sample, local = (json.load(open(f)) for f in ("local.settings.sample.json", "local.settings.json"))
added = [k for k in sample["Values"] if k not in local.setdefault("Values", {})]
if added:
    local["Values"].update({k: sample["Values"][k] for k in added})
    json.dump(local, open("local.settings.json", "w"), indent=2)
    print("local.settings.json: added from the sample: " + ", ".join(added))
PY

azurite_pid=""
if (exec 3<>/dev/tcp/127.0.0.1/10001) 2>/dev/null; then
  echo "==> Azurite already listening on 127.0.0.1:10000-10002; using it"
else
  echo "==> starting Azurite (data in .azurite/)"
  mkdir -p .azurite
  node_modules/.bin/azurite --silent --location .azurite --skipApiVersionCheck \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 > .azurite/azurite.log 2>&1 &
  azurite_pid=$!
  trap '[ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/10001) 2>/dev/null && break; sleep 0.1; done
fi

echo "==> serving on http://127.0.0.1:7071: the isolated worker under the local Functions host (Ctrl-C to stop)"
# The published worker (artifacts/worker), as Azure gets it.
dotnet "tools/LocalFunctionsHost/bin/$CONFIGURATION/net10.0/LocalFunctionsHost.dll" \
  --script-root "$PWD/artifacts/worker" --port 7071 --settings "$PWD/local.settings.json"
