#!/bin/bash
# One client backing up the same data to a local repository and to obnam-server over HTTPS on
# 127.0.0.1 (a self-signed certificate made here), then restoring both and comparing with the
# source. Prints one line per step: wall seconds, CPU seconds, peak RSS, MB/s.
#
#   bench/server-vs-local.sh [DATA_DIR]    # default: 1 GiB of mixed data generated in $W/data
#   W=/some/dir bench/server-vs-local.sh   # work directory (default /tmp/obnam-server-vs-local)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
W=${W:-/tmp/obnam-server-vs-local}
data=${1:-$W/data}
mkdir -p "$W"
command -v openssl >/dev/null || { echo "server-vs-local.sh: openssl is needed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "server-vs-local.sh: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
[ -f "$here/target/obnam.jar" ] || "$here/build"

if [ ! -d "$data" ]; then
    python3 - "$data" <<'EOF'
import os, random, sys
root = sys.argv[1]; r = random.Random(2026)
words = [bytes(r.choice(b"etaoinshrdlucmfwyp") for _ in range(r.randint(1, 10))) for _ in range(20000)]
common = r.randbytes(16 << 20)
total, i = 0, 0
while total < 1024 << 20:                      # random, text, and files sharing a range
    size = r.randint(1 << 20, 40 << 20); k = i % 3
    if k == 0: data = r.randbytes(size)
    elif k == 1: data = b" ".join(r.choice(words) for _ in range(size // 6))[:size]
    else:
        off = r.randint(0, (16 << 20) - (4 << 20))
        data = r.randbytes(size // 3) + common[off:off + (4 << 20)] + r.randbytes(size // 3)
    d = os.path.join(root, f"dir{i % 9}"); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, f"file{i:04d}.dat"), "wb").write(data)
    total += len(data); i += 1
EOF
fi
bytes=$(du -sb "$data" | cut -f1)
find "$data" -type f -exec cat {} + >/dev/null   # warm cache, the same for both (any number of files, any names)

rm -rf "$W/server" "$W/local" "$W/remote" "$W/restored-"*
mkdir -p "$W/server" "$W/local" "$W/remote"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$W/server/server.key" -out "$W/server/server.crt" 2>/dev/null
cat >"$W/server/server.yaml" <<EOF
address: 127.0.0.1:$port
chunks: $W/server/chunks
tls_key: $W/server/server.key
tls_cert: $W/server/server.crt
EOF
token=$("$here/bin/obnam-server" client add --config "$W/server/server.yaml" bench | tail -n 1)
"$here/bin/obnam-server" "$W/server/server.yaml" 2>"$W/server/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

printf 'server_url: %s\nroots: [%s]\n' "$W/local/repo" "$data" >"$W/local/obnam.yaml"
printf 'server_url: https://127.0.0.1:%s\naccess_token: %s\nca_cert: %s\nroots: [%s]\n' \
    "$port" "$token" "$W/server/server.crt" "$data" >"$W/remote/obnam.yaml"
chmod 600 "$W/remote/obnam.yaml"   # it holds the token

server_cpu() { # CPU seconds the server has used so far
    awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$server/stat"
}
step() { # step NAME HOME COMMAND...
    local name=$1 home=$2; shift 2
    local before; before=$(server_cpu)
    HOME=$home /usr/bin/time -f "%e %U %S %M" -o "$W/time.out" "$@" >"$W/last.log" 2>&1 \
        || { echo "$name FAILED:"; tail -3 "$W/last.log"; exit 1; }
    read -r wall user sys rss <"$W/time.out"
    printf '%-16s %6.2f s wall %6.2f s CPU %5d MiB RSS %6.0f MB/s   server CPU %6.2f s\n' "$name" "$wall" \
        "$(echo "$user + $sys" | bc)" $((rss / 1024)) "$(echo "$bytes / 1000000 / $wall" | bc -l)" \
        "$(echo "$(server_cpu) - $before" | bc -l)"
}
echo "data: $data, $bytes bytes; $(nproc) cores"
for where in local remote; do
    obnam=("$here/bin/obnam" --config "$W/$where/obnam.yaml")
    HOME=$W/$where "${obnam[@]}" init --insecure-passphrase=bench >/dev/null
    step "$where backup" "$W/$where" "${obnam[@]}" backup
    step "$where rerun" "$W/$where" "${obnam[@]}" backup
    step "$where restore" "$W/$where" "${obnam[@]}" restore latest "$W/restored-$where"
    diff -r --no-dereference "$data" "$W/restored-$where$data" >/dev/null && echo "$where restore identical" \
        || { echo "$where restore DIFFERS"; exit 1; }
    rm -rf "$W/restored-$where"
done
