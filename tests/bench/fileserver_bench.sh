#!/usr/bin/env bash
# FirmwareDesk file server vs nginx (Debian package), both over HTTPS on 127.0.0.1 with the same
# certificate and the same files, measured in the same run with wrk at several concurrencies:
# throughput, requests per second and peak RSS; then idle keep-alive connections held and memory
# per idle connection. A benchmark: it prints figures, it is not a timed test and CI does not run it.
#
# Usage:  tests/bench/fileserver_bench.sh [BUILD_DIR]
#   BUILD_DIR   a build with fwd_fileserver_serve and fwd_fileserver_idleclients (Release advised):
#               cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release
#               cmake --build build-rel --target fwd_fileserver_serve fwd_fileserver_idleclients
# Environment (defaults):
#   LEVELS="1 64 512"  concurrent connections     SIZE_MB=8   size of the large file
#   DURATION=10        seconds per wrk run         REPEAT=3    runs per point (median reported)
#   IDLE=10000         idle connections (0: skip)  PORT=18443  first of three ports used
#   KINDS="large small" file kinds measured     BASELINE=0  1: also the bare QSslSocket
#                                                           streamer fwd_qsslstreamer (large file)
set -euo pipefail

BUILD=${1:-build-fileserver-rel}
LEVELS=${LEVELS:-"1 64 512"}
SIZE_MB=${SIZE_MB:-8}
DURATION=${DURATION:-10}
REPEAT=${REPEAT:-3}
IDLE=${IDLE:-10000}
PORT=${PORT:-18443}
NGINX_PORT=$((PORT + 1))
SERVE="$BUILD/tests/fileserver/fwd_fileserver_serve"
IDLE_TOOL="$BUILD/tests/fileserver/fwd_fileserver_idleclients"
QSSL="$BUILD/tests/fileserver/fwd_qsslstreamer"
BASELINE=${BASELINE:-0}
QSSL_PORT=$((PORT + 2))

for tool in "$SERVE" "$IDLE_TOOL"; do
  [[ -x $tool ]] || { echo "missing $tool: build the targets first (see the header)" >&2; exit 2; }
done
if ((BASELINE)) && [[ ! -x $QSSL ]]; then
  echo "missing $QSSL: build the target fwd_qsslstreamer for BASELINE=1" >&2
  exit 2
fi
for cmd in nginx wrk openssl; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd (apt-get install nginx-light wrk openssl)" >&2; exit 2; }
done
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d /tmp/fwd-fileserver-bench.XXXXXX)
SERVER_PID=""
SERVE_PATH=/firmware.npk
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/www" "$WORK/nginx/logs"

# The same certificate for both: RSA 2048 like the one FirmwareDesk generates.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$WORK/www/firmware.npk"
head -c 1200 /dev/urandom | base64 >"$WORK/www/upgrade.xml"

CORES=$(nproc)
USER_LINE=""
[[ $(id -u) == 0 ]] && USER_LINE="user root;"
cat >"$WORK/nginx/nginx.conf" <<NGINX
$USER_LINE
worker_processes $CORES;
worker_rlimit_nofile 20000;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 300s;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/t1; proxy_temp_path $WORK/nginx/t2;
  fastcgi_temp_path $WORK/nginx/t3; uwsgi_temp_path $WORK/nginx/t4; scgi_temp_path $WORK/nginx/t5;
  types { application/octet-stream npk; application/xml xml; }
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
    ssl_session_tickets off;
    root $WORK/www;
  }
}
NGINX

# Starts one server; sets SERVER_PID and URL_BASE.
start_server() {
  local which=$1
  if [[ $which == fwd ]]; then
    "$SERVE" --file "$WORK/www$SERVE_PATH" --cert "$WORK/cert.pem" --key "$WORK/key.pem" \
      --port "$PORT" --keepalive-ms 300000 >"$WORK/serve.log" 2>&1 &
    SERVER_PID=$!
    URL_BASE="https://127.0.0.1:$PORT"
  elif [[ $which == qssl ]]; then
    "$QSSL" --file "$WORK/www$SERVE_PATH" --cert "$WORK/cert.pem" --key "$WORK/key.pem" \
      --port "$QSSL_PORT" >"$WORK/serve.log" 2>&1 &
    SERVER_PID=$!
    URL_BASE="https://127.0.0.1:$QSSL_PORT"
  else
    nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g "daemon off;" &
    SERVER_PID=$!
    URL_BASE="https://127.0.0.1:$NGINX_PORT"
  fi
  for _ in $(seq 100); do
    curl -fsk -o /dev/null "$URL_BASE$SERVE_PATH" -r 0-0 && return 0
    sleep 0.1
  done
  echo "$which did not start" >&2
  cat "$WORK/serve.log" "$WORK/nginx/logs/error.log" 2>/dev/null >&2
  exit 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# Peak RSS (VmHWM) in MiB of the server process and its children (nginx workers).
peak_rss_mib() {
  local total=0 pid
  for pid in $SERVER_PID $(pgrep -P "$SERVER_PID" || true); do
    [[ -r /proc/$pid/status ]] || continue
    total=$((total + $(awk '/VmHWM/ {print $2}' "/proc/$pid/status")))
  done
  echo $((total / 1024))
}

rss_kib() {
  local total=0 pid
  for pid in $SERVER_PID $(pgrep -P "$SERVER_PID" || true); do
    [[ -r /proc/$pid/status ]] || continue
    total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status")))
  done
  echo "$total"
}

# CPU time (user + system, in clock ticks) of the server and its children (nginx workers).
cpu_ticks() {
  local total=0 pid
  for pid in $SERVER_PID $(pgrep -P "$SERVER_PID" || true); do
    [[ -r /proc/$pid/stat ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
TICKS=$(getconf CLK_TCK)

# wrk's "Transfer/sec: 1.66GB" to MiB/s.
to_mib() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; gsub(/[0-9.]/, "", u);
    if (u == "GB") n *= 1024; else if (u == "KB") n /= 1024; else if (u == "B") n /= 1048576;
    printf "%.0f", n }'
}

median() { sort -n | awk '{a[NR] = $1} END { print a[int((NR + 1) / 2)] }'; }

# measure <server> <path> <connections> -> "MiB/s req/s peakRSS MiB-per-CPU-s req-per-CPU-s load"
# The per-CPU-second figures are the server's efficiency; unlike wall-clock throughput they hold
# up when other work shares the machine. load: the 1-minute load average at the end of the run.
measure() {
  local which=$1 path=$2 conns=$3 threads=2 out cpu0 cpu1
  ((conns < 2)) && threads=1
  start_server "$which"
  cpu0=$(cpu_ticks)
  out=$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 60s "$URL_BASE$path")
  cpu1=$(cpu_ticks)
  local rps tput
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  tput=$(to_mib "$(awk '/Transfer\/sec/ {print $2}' <<<"$out")")
  awk -v t="$tput" -v r="$rps" -v m="$(peak_rss_mib)" -v c="$((cpu1 - cpu0))" -v hz="$TICKS" \
    -v d="$DURATION" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { s = c / hz; if (s <= 0) s = 1 / hz;
      printf "%d %d %d %.0f %.0f %s\n", t, r, m, t * d / s, r * d / s, l }'
  stop_server
}

echo "# FirmwareDesk file server vs nginx $(nginx -v 2>&1 | sed 's/.*\///'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $CORES cores; $(openssl version)"
echo "# file: ${SIZE_MB} MiB (and a 1.6 kB XML); wrk ${DURATION}s per run, median of $REPEAT runs, HTTPS keep-alive"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (the 'load' column: median 1-minute load at the end of the runs)"
echo
for kind in ${KINDS-large small}; do
  path=/firmware.npk
  [[ $kind == small ]] && path=/upgrade.xml
  SERVE_PATH=$path # the serve tool publishes this one file
  echo "## ${kind} file ($path)"
  echo
  echo "| connections | FirmwareDesk MiB/s | req/s | peak RSS MiB | MiB per CPU-s | req per CPU-s | nginx MiB/s | req/s | peak RSS MiB | MiB per CPU-s | req per CPU-s | throughput ratio | efficiency ratio | load |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for conns in $LEVELS; do
    f=() n=()
    for _ in $(seq "$REPEAT"); do
      f+=("$(measure fwd "$path" "$conns")")
      n+=("$(measure nginx "$path" "$conns")")
    done
    col() { local i=$1; shift; printf '%s\n' "$@" | awk -v i="$i" '{print $i}' | median; }
    ft=$(col 1 "${f[@]}"); fr=$(col 2 "${f[@]}"); fm=$(col 3 "${f[@]}"); fe=$(col 4 "${f[@]}"); fq=$(col 5 "${f[@]}")
    nt=$(col 1 "${n[@]}"); nr=$(col 2 "${n[@]}"); nm=$(col 3 "${n[@]}"); ne=$(col 4 "${n[@]}"); nq=$(col 5 "${n[@]}")
    load=$(col 6 "${f[@]}" "${n[@]}")
    # Large files compare bytes per CPU-second, small files requests per CPU-second.
    if [[ $kind == small ]]; then
      ratio=$(awk -v a="$fr" -v b="$nr" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      eff=$(awk -v a="$fq" -v b="$nq" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    else
      ratio=$(awk -v a="$ft" -v b="$nt" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      eff=$(awk -v a="$fe" -v b="$ne" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    fi
    echo "| $conns | $ft | $fr | $fm | $fe | $fq | $nt | $nr | $nm | $ne | $nq | $ratio | $eff | $load |"
    echo "#   $conns connections, runs (MiB/s req/s RSS MiB/CPU-s req/CPU-s load): fwd ${f[*]// /,} ; nginx ${n[*]// /,}" >&2
  done
  echo
done

if ((BASELINE)); then
  SERVE_PATH=/firmware.npk
  echo "## QSslSocket baseline (fwd_qsslstreamer), large file, next to nginx"
  echo
  echo "| connections | QSslSocket MiB/s | peak RSS MiB | MiB per CPU-s | nginx MiB/s | peak RSS MiB | MiB per CPU-s | throughput ratio | efficiency ratio |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for conns in $LEVELS; do
    q=() n=()
    for _ in $(seq "$REPEAT"); do
      q+=("$(measure qssl /firmware.npk "$conns")")
      n+=("$(measure nginx /firmware.npk "$conns")")
    done
    col() { local i=$1; shift; printf '%s\n' "$@" | awk -v i="$i" '{print $i}' | median; }
    qt=$(col 1 "${q[@]}"); qm=$(col 3 "${q[@]}"); qe=$(col 4 "${q[@]}")
    nt=$(col 1 "${n[@]}"); nm=$(col 3 "${n[@]}"); ne=$(col 4 "${n[@]}")
    echo "| $conns | $qt | $qm | $qe | $nt | $nm | $ne | $(awk -v a="$qt" -v b="$nt" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$qe" -v b="$ne" 'BEGIN { printf "%.2f", a / b }') |"
  done
  echo
fi

if ((IDLE > 0)); then
  SERVE_PATH=/firmware.npk
  echo "## $IDLE idle keep-alive HTTPS connections"
  echo
  echo "| server | RSS before MiB | RSS with idle MiB | KiB per idle connection | new connection while held | still open after 5 s |"
  echo "|---|---:|---:|---:|---|---:|"
  # (not the QSslSocket baseline: it ignores Range and would send the whole file to each)
  for which in fwd nginx; do
    start_server "$which"
    before=$(rss_kib)
    rm -f "$WORK/ready"
    "$IDLE_TOOL" --port "${URL_BASE##*:}" --path /firmware.npk --count "$IDLE" --ca "$WORK/cert.pem" \
      --hold-ms 5000 --ready-file "$WORK/ready" >"$WORK/idle.log" 2>&1 &
    tool=$!
    while [[ ! -f $WORK/ready ]] && kill -0 "$tool" 2>/dev/null; do sleep 0.2; done
    sleep 1
    held=$(rss_kib)
    wait "$tool" || true
    newcomer=$(grep -o 'new connection.*' "$WORK/idle.log" | sed 's/new connection while [0-9]* held: //')
    still=$(grep -o 'still open after [0-9]* ms: [0-9]* of [0-9]*' "$WORK/idle.log" | awk '{print $6 " of " $8}')
    per=$(awk -v a="$before" -v b="$held" -v n="$IDLE" 'BEGIN { printf "%.1f", (b - a) / n }')
    name=FirmwareDesk; [[ $which == nginx ]] && name=nginx
    echo "| $name | $((before / 1024)) | $((held / 1024)) | $per | $newcomer | $still |"
    grep -m1 opened "$WORK/idle.log" | sed 's/^/#   /' >&2
    stop_server
  done
fi
