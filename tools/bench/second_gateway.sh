# Sourced by benchmarks: a second gateway on the dev stack's services (tools/dev up), on
# a free port, with the settings a benchmark needs on top. Sets GW_PORT, GW_PID and BASE,
# and waits until it is ready. Usage: start_second_gateway [VAR=value...]
# (needs ROOT; reads .run/dev/env)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_second_gateway() {
  source "$ROOT/.run/dev/env"
  GW_PORT=$(free_port)
  env INTERNAL_HMAC_KEY="$INTERNAL_HMAC_KEY" PORT="$GW_PORT" LOG_LEVEL=warn RATE_LIMIT_READS_PER_MINUTE=100000000 \
    COOKIE_SECURE=false COOKIE_NAME=civic_session \
    AUTH_SERVICE_ADDR="127.0.0.1:$AUTH_PORT" NOTIFICATION_SERVICE_ADDR="127.0.0.1:$NOTIFICATION_PORT" \
    CONTENT_SERVICE_ADDR="127.0.0.1:$CONTENT_PORT" DIRECTORY_SERVICE_ADDR="127.0.0.1:$DIRECTORY_PORT" \
    GRANTS_SERVICE_ADDR="127.0.0.1:$GRANTS_PORT" MATCHING_SERVICE_ADDR="127.0.0.1:$MATCHING_PORT" \
    RECRUITMENT_SERVICE_ADDR="127.0.0.1:$RECRUITMENT_PORT" "$@" \
    "$ROOT/.build/release/gateway/gateway_server" >/dev/null 2>&1 &
  GW_PID=$!
  BASE="http://127.0.0.1:$GW_PORT"
  for _ in $(seq 100); do curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: the second gateway did not become ready" >&2
  return 1
}
