#!/usr/bin/env bash
# The main job: installs dependencies, builds, and starts a local cluster
# (a master and 3 nodes on loopback, with sample files). Ctrl-C stops it.
# Extra arguments go to `dds cluster` (for example --nodes 5 --dir /tmp/dds).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/release/tools/dds/dds cluster --nodes 3 --sample-files "$@"
