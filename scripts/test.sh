#!/usr/bin/env bash
# The one test command (README and CI): installs what the tests need, builds vigie with warnings
# as errors, runs every test (unit, black-box, browser), runs the unit and black-box tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer, checks the C++ formatting, and runs
# each fuzz target for a while on its seed corpus. Ends with one line: "N passed, N failed".
#
# Steps can be skipped while iterating (CI runs them all):
#   VIGIE_SKIP_ASAN=1  VIGIE_SKIP_FUZZ=1  VIGIE_SKIP_BROWSER=1  VIGIE_SKIP_FORMAT=1
#   VIGIE_FUZZ_SECONDS=20 (per target)   VIGIE_JOBS=2 (build parallelism)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
jobs=${VIGIE_JOBS:-2}
fuzz_seconds=${VIGIE_FUZZ_SECONDS:-20}
passed=0
failed=0
failures=()
started=$(date +%s)

step() { printf '\n==> %s (%ds)\n' "$*" "$(($(date +%s) - started))"; }
pass() { passed=$((passed + ${2:-1})); }
fail() { failed=$((failed + ${2:-1})); failures+=("$1"); }

finish() {
  step "summary"
  if ((${#failures[@]} > 0)); then
    printf 'failed: %s\n' "${failures[@]}"
  fi
  echo "${passed} passed, ${failed} failed"
  if ((failed > 0)); then exit 1; fi
  exit 0
}

# Adds ctest's verdict to the totals. "N tests failed out of M" is its closing line.
run_ctest() {
  local label=$1
  shift
  local log
  log=$(mktemp)
  ctest "$@" --output-on-failure 2>&1 | tee "$log"
  local summary
  summary=$(grep -E '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [[ -z "$summary" ]]; then
    fail "$label: ctest ran no test"
  else
    local bad total
    bad=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
    total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$summary")
    pass "$label" $((total - bad))
    if ((bad > 0)); then
      local names
      names=$(sed -n '/The following tests FAILED/,$p' "$log" | grep -E '^\s+[0-9]+ - ' |
        sed -E 's/^\s+[0-9]+ - ([^ ]+).*/\1/' | paste -sd' ' -)
      fail "$label: $names" "$bad"
    fi
  fi
  rm -f "$log"
}

# --- dependencies ---------------------------------------------------------------------------
step "installing dependencies"
if ! bash scripts/install-deps.sh --test; then
  fail "install-deps.sh --test"
  finish
fi

step "npm dependencies (tests/)"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "warning: node ${node_major} found; the black-box and browser tests need node 20 or later" >&2
fi
lock_version=$(node -p "require('./tests/package-lock.json').packages['node_modules/playwright-core'].version")
have_version=$(node -p "try { require('./tests/node_modules/playwright-core/package.json').version } catch { '' }")
if [[ "$have_version" == "$lock_version" ]]; then
  echo "playwright-core ${have_version} already installed"
elif ! (cd tests && npm ci --no-audit --no-fund --prefer-offline); then
  fail "npm ci in tests/"
fi

# --- a throw-away PostgreSQL server for the black-box tests ------------------------------------
# One server for the whole run (each test file then makes databases on it instead of starting a
# server of its own); stopped and deleted when this script exits, however it exits.
step "PostgreSQL for the black-box tests"
pg_dir=$(mktemp -d /tmp/vigie-test-pg-XXXXXX)
trap 'node tests/blackbox/lib/postgres.mjs stop "$pg_dir"' EXIT
if VIGIE_TEST_POSTGRES_URL=$(node tests/blackbox/lib/postgres.mjs start "$pg_dir"); then
  export VIGIE_TEST_POSTGRES_URL
  echo "PostgreSQL $(cat "$pg_dir/data/PG_VERSION") running in $pg_dir"
else
  fail "PostgreSQL for the black-box tests (the blackbox-pg tests will fail or start their own)"
  unset VIGIE_TEST_POSTGRES_URL
fi

# --- build and every test -------------------------------------------------------------------
step "configure and build build/ (RelWithDebInfo, -Werror)"
ctest_args=(--test-dir build -j "$jobs")
if [[ "${VIGIE_SKIP_BROWSER:-}" == 1 ]]; then ctest_args+=(-LE browser); fi
if cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIE_WERROR=ON \
    -DVIGIE_TESTS=ON -DVIGIE_SANITIZE=OFF -DVIGIE_FUZZ=OFF &&
  cmake --build build -j "$jobs"; then
  step "tests: unit, black-box, browser"
  run_ctest "build" "${ctest_args[@]}"
else
  fail "build (build/)"
fi

# --- sanitizers -----------------------------------------------------------------------------
if [[ "${VIGIE_SKIP_ASAN:-}" != 1 ]]; then
  step "configure and build build-asan/ (ASan + UBSan)"
  if cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIE_WERROR=ON \
      -DVIGIE_SANITIZE=ON -DVIGIE_BENCH=OFF -DVIGIE_TESTS=ON -DVIGIE_FUZZ=OFF &&
    cmake --build build-asan -j "$jobs"; then
    step "tests under ASan + UBSan: unit and black-box"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_ctest "build-asan" --test-dir build-asan -j "$jobs" -LE browser
    unset ASAN_OPTIONS UBSAN_OPTIONS
  else
    fail "build (build-asan/)"
  fi
fi

# --- formatting -----------------------------------------------------------------------------
if [[ "${VIGIE_SKIP_FORMAT:-}" != 1 ]]; then
  step "clang-format"
  mapfile -t sources < <(find src bench fuzz -type f \
    \( -name '*.cc' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) 2>/dev/null | sort)
  if ((${#sources[@]} == 0)); then
    echo "no C++ sources found"
    fail "clang-format: no sources"
  elif clang-format --dry-run --Werror "${sources[@]}"; then
    echo "${#sources[@]} files formatted"
    pass "clang-format"
  else
    fail "clang-format"
  fi
fi

# --- fuzzing --------------------------------------------------------------------------------
# Fuzz targets are those fuzz/CMakeLists.txt declares with vigie_fuzz_target(NAME ...); only
# they are built (not the whole tree again). Each runs for $fuzz_seconds on its seed corpus
# fuzz/corpus/NAME/; new inputs go to a scratch directory, the checked-in corpus is only read.
if [[ "${VIGIE_SKIP_FUZZ:-}" != 1 && -f fuzz/CMakeLists.txt ]]; then
  step "configure and build build-fuzz/ (clang, libFuzzer)"
  mapfile -t names < <(grep -oE '^\s*vigie_fuzz_target\(\s*[A-Za-z0-9_]+' fuzz/CMakeLists.txt |
    sed -E 's/.*\(\s*//' | sort -u)
  if ((${#names[@]} == 0)); then
    fail "fuzz: fuzz/CMakeLists.txt declares no vigie_fuzz_target"
  elif CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DVIGIE_FUZZ=ON -DVIGIE_TESTS=OFF -DVIGIE_BENCH=OFF -DVIGIE_SANITIZE=OFF &&
    cmake --build build-fuzz -j "$jobs" --target "${names[@]}"; then
    for name in "${names[@]}"; do
      target=build-fuzz/fuzz/$name
      corpus=fuzz/corpus/$name
      if [[ ! -x "$target" ]]; then
        fail "fuzz $name: $target was not built"
        continue
      fi
      if [[ ! -d "$corpus" ]]; then corpus=""; fi
      step "fuzz $name for ${fuzz_seconds}s (corpus: ${corpus:-none})"
      scratch=$(mktemp -d)
      if [[ -z "$corpus" ]]; then
        fail "fuzz $name: no seed corpus in fuzz/corpus/$name/"
      elif (cd "$scratch" && timeout $((fuzz_seconds + 60)) "$root/$target" \
          -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
          "$scratch" "$root/$corpus" 2>&1 | tail -20); then
        pass "fuzz $name"
      else
        fail "fuzz $name (crash inputs, if any, are in $scratch)"
        continue
      fi
      rm -rf "$scratch"
    done
  else
    fail "build (build-fuzz/)"
  fi
fi

finish
