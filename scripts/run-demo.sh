#!/usr/bin/env bash
# Installs what vigie needs, builds build/vigie and starts the demo desk on
# http://127.0.0.1:8080 with its data under ./vigie-data/. The staff login it prints is shown
# once. Arguments are passed on to `vigie serve --demo`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh

# Keep an existing build directory's settings (scripts/test.sh configures it with the tests);
# a fresh one needs neither the tests nor the benchmarks.
if [[ ! -f build/CMakeCache.txt ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIE_TESTS=OFF \
    -DVIGIE_BENCH=OFF
fi
cmake --build build -j 2 --target vigie
exec build/vigie serve --demo "$@"
