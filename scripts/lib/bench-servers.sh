# Shared by scripts/bench and scripts/bench-echo-rounds: ports for benchmark servers and the wait
# for one to listen. Source it; it defines functions only.

# A port from $1 up that nothing listens on. Start below the kernel's ephemeral range (32768 and
# up on Linux): a port there may be the local end of some client connection, and the server
# would then fail to bind it.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

# Waits until process $1 accepts connections on port $2; fails, naming it $3, when it exits or
# does not listen within 10 s.
wait_listening() {
  local pid=$1 port=$2 name=$3
  for _ in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: $name exited at start" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "bench: $name did not start on port $port" >&2
  return 1
}

# Stops process $1: TERM, then KILL after 5 s.
stop_process() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
