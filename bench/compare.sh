#!/bin/bash
# Runs the shared side-by-side benchmark (restic, borg and Obnam on the same data, same machine,
# one run) and writes the table to RESULTS (default bench/results-DATE.md). Installs restic, borg
# and GNU time from Debian's packages when missing and running as root.
#
#   bench/compare.sh [RESULTS]            # 512 MiB of bulk data and 50,000 small files
#   BULK_MB=2048 MANY_FILES=200000 bench/compare.sh   # 4x the data, for the memory check
#   TOOLS=candidate bench/compare.sh      # Obnam only
#
# The benchmark script itself is ../shared/bench/peerbench.sh (or PEERBENCH=path).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
peerbench=${PEERBENCH:-$here/../shared/bench/peerbench.sh}
[ -f "$peerbench" ] || { echo "compare.sh: $peerbench not found (set PEERBENCH)" >&2; exit 1; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    for pkg in restic borgbackup time bc; do
        dpkg -s "$pkg" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null
    done
fi
[ -f "$here/target/obnam.jar" ] || "$here/build"
export CAND_NAME=obnam
export CAND_INIT="env HOME={home} $here/bin/obnam --config {home}/obnam.yaml init --insecure-passphrase=bench"
export CAND_BACKUP="env HOME={home} $here/bin/obnam --config {home}/obnam.yaml backup"
export CAND_RESTORE="env HOME={home} $here/bin/obnam --config {home}/obnam.yaml restore latest {dst}"
out=${1:-$here/bench/results-$(date +%Y%m%d-%H%M).md}
bash "$peerbench" "$out"
echo "results: $out"
