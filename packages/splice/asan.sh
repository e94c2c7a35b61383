#!/usr/bin/env bash
# AddressSanitizer run of the addon: rebuilds it with -fsanitize=address, runs this package's tests and the
# gateway suites that drive tunnels with Node clients (curl and openssl hang with libasan preloaded), then
# rebuilds it normally whatever happened. Any use-after-free or overflow in splice.c fails the run.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
gyp() { (cd "$here" && node "$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$(dirname "$(command -v node)")/.." "$@" >/dev/null); }
trap 'unset LD_PRELOAD ASAN_OPTIONS; echo "rebuilding without ASan"; gyp' EXIT
echo "building with ASan"
CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g" LDFLAGS="-fsanitize=address" gyp
export LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
node --conditions=gatewatch-source --import tsx --test --test-timeout=600000 --test-reporter=spec test/*.test.ts
cd ../../apps/gateway
node --conditions=gatewatch-source --import tsx --test --test-timeout=600000 --test-reporter=spec test/counters.test.ts test/chaos.test.ts test/limits.test.ts test/spans.test.ts
