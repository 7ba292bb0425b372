#!/usr/bin/env bash
# QuestDB for CI and local tests: fetch the server jar from Maven Central (cached), start it on 127.0.0.1
# with telemetry off and a small heap, wait until it answers, print the env to export; or stop it.
#
#   .ci/questdb.sh fetch                 # only download into the cache; prints the lib dir
#   .ci/questdb.sh start [dir] [http] [pg] [ilp-tcp] [min-http]
#                                        # ports default to free ones; prints QUESTDB_URL=... and QUESTDB_DIR=...
#   .ci/questdb.sh stop <dir>            # SIGTERM, then SIGKILL after 20 s
#
# Env: QUESTDB_VERSION (default 9.3.4: Maven Central as reached here lists versions up to 9.3.4 and
# answers 404 for 9.3.5, see docs/historian.md; both are Java 17 builds), HEATGRID_CACHE_DIR
# (default $HOME/.cache/heatgrid), JAVA (default java). test/support/questdb.ts uses the same cache and
# the same java command, so keep the two in step.
set -euo pipefail

VERSION="${QUESTDB_VERSION:-9.3.4}"
CACHE="${HEATGRID_CACHE_DIR:-$HOME/.cache/heatgrid}/questdb-$VERSION"
LIB="$CACHE/lib"
JAVA="${JAVA:-java}"

log() { echo "questdb.sh: $*" >&2; }

fetch() {
  if [ -f "$LIB/questdb-$VERSION.jar" ]; then
    log "using cached $LIB"
    echo "$LIB"
    return 0
  fi
  command -v mvn >/dev/null || { log "mvn not found; install Maven (apt-get install -y maven)"; exit 1; }
  local work
  work="$(mktemp -d)"
  # A throwaway pom so copy-dependencies brings the runtime dependencies too, should this version have any.
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>heatgrid</groupId><artifactId>questdb-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.questdb</groupId><artifactId>questdb</artifactId><version>$VERSION</version></dependency>
  </dependencies>
</project>
EOF
  mkdir -p "$LIB.partial"
  if ! mvn -B -q -f "$work/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$LIB.partial" >"$work/mvn.log" 2>&1; then
    log "Maven could not fetch org.questdb:questdb:$VERSION; its output:"
    cat "$work/mvn.log" >&2
    exit 1
  fi
  rm -rf "$LIB" && mv "$LIB.partial" "$LIB" && rm -rf "$work"
  # Class-file major version of ServerMain: 61 = Java 17, 69 = Java 25 (needs a newer JDK).
  local major
  major=$( (unzip -p "$LIB/questdb-$VERSION.jar" io/questdb/ServerMain.class | head -c 8 | od -An -tu1 | awk '{print $8}') 2>/dev/null || echo '?')
  log "fetched into $LIB ($(ls "$LIB" | tr '\n' ' '); class-file version $major)"
  echo "$LIB"
}

free_port() {
  "${NODE:-node}" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null \
    || python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

start() {
  fetch >/dev/null
  local dir="${1:-$(mktemp -d -t questdb.XXXXXX)}"
  local http="${2:-$(free_port)}" pg="${3:-$(free_port)}" ilp="${4:-$(free_port)}" min="${5:-$(free_port)}"
  mkdir -p "$dir/root/conf"
  # Written before the first start: QuestDB keeps an existing server.conf.
  cat >"$dir/root/conf/server.conf" <<EOF
http.bind.to=127.0.0.1:$http
pg.net.bind.to=127.0.0.1:$pg
line.tcp.net.bind.to=127.0.0.1:$ilp
http.min.bind.to=127.0.0.1:$min
telemetry.enabled=false
shared.network.worker.count=1
shared.query.worker.count=1
shared.write.worker.count=1
cairo.o3.column.memory.size=1M
cairo.writer.data.append.page.size=1M
EOF
  # JVM options must come before -p/-m (everything after -m goes to ServerMain).
  nohup "$JAVA" -Xms128m -Xmx512m -XX:+UseParallelGC -ea -Dnoebug -Dcontainerized=false \
    --add-exports java.base/jdk.internal.math=io.questdb \
    -p "$LIB" -m io.questdb/io.questdb.ServerMain -d "$dir/root" >"$dir/questdb.out" 2>&1 &
  echo $! >"$dir/questdb.pid"
  local deadline=$((SECONDS + 90))
  until curl -fsS -o /dev/null "http://127.0.0.1:$http/exec?query=select%201" 2>/dev/null; do
    if ! kill -0 "$(cat "$dir/questdb.pid")" 2>/dev/null; then
      log "QuestDB exited during start-up; last output:"; tail -40 "$dir/questdb.out" >&2; exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "QuestDB did not answer within 90 s; last output:"; tail -40 "$dir/questdb.out" >&2; stop "$dir"; exit 1
    fi
    sleep 0.5
  done
  log "QuestDB $VERSION up in $dir (http $http, pg $pg)"
  echo "QUESTDB_URL=http://127.0.0.1:$http/?pg_port=$pg"
  echo "QUESTDB_DIR=$dir"
}

stop() {
  local dir="${1:?usage: questdb.sh stop <dir>}"
  [ -f "$dir/questdb.pid" ] || { log "no questdb.pid in $dir"; return 0; }
  local pid; pid="$(cat "$dir/questdb.pid")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/questdb.pid"
  log "stopped QuestDB ($pid)"
}

case "${1:-}" in
  fetch) fetch ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 fetch | start [dir] [http pg ilp min] | stop <dir>" >&2; exit 2 ;;
esac
