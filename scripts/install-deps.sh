#!/usr/bin/env bash
# Installs every Debian package vigie needs to build, run and test. Safe to run again: packages
# already present are skipped by apt. Needs root (or sudo) on Debian 12.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsimdjson-dev nlohmann-json3-dev libgmime-3.0-dev libpugixml-dev libzip-dev
  libsqlite3-dev libpq-dev libsodium-dev libcurl4-openssl-dev
  libidn2-dev libpsl-dev publicsuffix libhowardhinnant-date-dev tzdata
  libkainjow-mustache-dev libspdlog-dev libfmt-dev libcli11-dev libtoml11-dev
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  postgresql-15 postfix chromium nodejs npm python3 curl sqlite3
)

want=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${test_packages[@]}")
fi

missing=()
for package in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# nodejs from another archive provides npm itself; do not ask apt for Debian's npm then.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for package in "${missing[@]}"; do
    [[ "$package" == npm || "$package" == nodejs ]] || filtered+=("$package")
  done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "vigie: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# postfix is installed only for its smtp-sink test tool: keep its own daemon local and quiet.
echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
