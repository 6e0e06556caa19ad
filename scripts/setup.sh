#!/usr/bin/env bash
# Installs the Debian packages dds needs to build, test and benchmark.
# Idempotent: installs only what is missing, and refreshes the package
# lists only when something has to be installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git clang-format curl python3
  libboost1.74-dev libboost-test1.74-dev
  libcli11-dev libtomlplusplus-dev libbenchmark-dev
  libssl-dev openssl libsqlite3-dev libfmt-dev
  clang libclang-rt-14-dev
  chromium chromium-driver python3-selenium
  rsync
  etcd-server nlohmann-json3-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi

# chromedriver (the browser tests) reaches Chromium through "localhost",
# which a bare system (a debootstrap root) has no /etc/hosts to resolve.
if ! getent hosts localhost >/dev/null; then
  echo "setup: localhost does not resolve; adding it to /etc/hosts"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' | $sudo tee -a /etc/hosts >/dev/null
fi

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
