#!/usr/bin/env bash
# A real Apache Kafka 4.x broker (KRaft, combined broker+controller) from its Maven jars, for dev and CI.
#   infra/kafka/kafka.sh start|stop|status
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_DIR (infra/kafka/run: data, log, pid),
#      KAFKA_HEAP (512m), KAFKA_START_TIMEOUT seconds (90).
# Several instances can run side by side with different KAFKA_PORT/KAFKA_DIR (the fault tests do that).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
LIB="$HERE/lib"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
RUN="${KAFKA_DIR:-$HERE/run}"
HEAP="${KAFKA_HEAP:-512m}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
PIDFILE="$RUN/kafka.pid"
LOG="$RUN/kafka.log"

die() {
  echo "kafka.sh: $*" >&2
  exit 1
}

is_running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Maven resolves kafka_2.13 and its runtime deps into lib/ (cached in ~/.m2 after the first run).
fetch_jars() {
  if [ -f "$LIB/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found; install Maven (apt-get install maven) or use infra/compose.yaml with Docker"
  printf 'kafka.sh: fetching Kafka jars with Maven into %s ' "$LIB"
  rm -rf "$LIB"
  local mvnlog
  mvnlog="$(mktemp)"
  # One dot per downloaded/copied artifact, so a slow first download shows progress.
  if ! mvn -B -f "$HERE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$LIB" -DincludeScope=runtime \
    2>&1 | tee "$mvnlog" | while IFS= read -r line; do
      case "$line" in *Downloaded* | *Copying*) printf '.' ;; esac
    done || ! grep -q 'BUILD SUCCESS' "$mvnlog"; then
    echo
    tail -n 30 "$mvnlog" >&2
    rm -f "$mvnlog"
    die "Maven could not fetch the Kafka jars (see above); check network access to Maven Central or ~/.m2/settings.xml mirrors"
  fi
  rm -f "$mvnlog"
  touch "$LIB/.complete"
  echo " done ($(find "$LIB" -name '*.jar' | wc -l) jars)"
}

write_config() {
  mkdir -p "$RUN/data"
  cat >"$RUN/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
EOF
  cat >"$RUN/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.out.ref = out
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = info
EOF
}

format_storage() {
  if [ -f "$RUN/data/meta.properties" ]; then return 0; fi
  local cluster_id
  cluster_id="$(java -cp "$LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  echo "kafka.sh: formatting KRaft storage in $RUN/data (cluster $cluster_id)"
  java -Dlog4j2.configurationFile="$RUN/log4j2.properties" -cp "$LIB/*" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$RUN/server.properties" --standalone >"$RUN/format.log" 2>&1 ||
    {
      cat "$RUN/format.log" >&2
      die "formatting KRaft storage failed (above); remove $RUN and retry"
    }
}

start() {
  command -v java >/dev/null || die "java not found; install a Java 17 runtime (apt-get install openjdk-17-jre-headless)"
  mkdir -p "$RUN"
  # Serialize concurrent starts of the same instance (parallel test runs call start too).
  exec 9>"$RUN/.lock"
  flock 9
  if is_running; then
    echo "kafka.sh: already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return 0
  fi
  if port_open "$PORT"; then
    die "port $PORT is already in use by another process; stop it or set KAFKA_PORT to a free port"
  fi
  fetch_jars
  write_config
  format_storage
  : >"$LOG"
  # setsid: the broker outlives this script and is not hit by the caller's Ctrl-C.
  setsid java -Xms128m -Xmx"$HEAP" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$RUN/log4j2.properties" \
    -cp "$LIB/*" kafka.Kafka "$RUN/server.properties" >>"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  printf 'kafka.sh: starting broker on 127.0.0.1:%s (controller %s, log %s) ' "$PORT" "$CPORT" "$LOG"
  local waited=0
  until port_open "$PORT" && grep -q 'Kafka Server started' "$LOG"; do
    if ! is_running; then
      echo
      tail -n 40 "$LOG" >&2
      rm -f "$PIDFILE"
      die "the broker exited during start-up (log above); if the storage is broken remove $RUN/data and retry"
    fi
    if ((waited >= TIMEOUT * 2)); then
      echo
      tail -n 40 "$LOG" >&2
      die "the broker did not answer within ${TIMEOUT}s (log above); raise KAFKA_START_TIMEOUT or check $LOG"
    fi
    printf '.'
    sleep 0.5
    waited=$((waited + 1))
  done
  echo " up (pid $(cat "$PIDFILE"))"
}

stop() {
  if ! is_running; then
    rm -f "$PIDFILE"
    echo "kafka.sh: not running ($RUN)"
    return 0
  fi
  local pid waited=0
  pid="$(cat "$PIDFILE")"
  printf 'kafka.sh: stopping broker (pid %s) ' "$pid"
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 60)); then
      kill -KILL "$pid" 2>/dev/null || true
      echo " killed after 30s (SIGTERM was not enough)"
      rm -f "$PIDFILE"
      return 0
    fi
    printf '.'
    sleep 0.5
    waited=$((waited + 1))
  done
  rm -f "$PIDFILE"
  echo " stopped"
}

status() {
  if is_running; then
    echo "kafka.sh: running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), dir $RUN)"
  else
    echo "kafka.sh: not running ($RUN)"
    return 1
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: kafka.sh start|stop|status (env KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DIR, KAFKA_HEAP)" ;;
esac
