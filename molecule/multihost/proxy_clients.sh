#!/usr/bin/env bash
# Clients of the instance through the proxy on this host, for the rolling upgrade (rolling_upgrade.yml):
#   proxy_clients.sh start   reads the API about five times a second, and keeps a streaming connection open
#                            (opened again 0.2 s after it ends), in the background; the HTTP status of each
#                            request and connection goes to /var/tmp/roll-api and /var/tmp/roll-stream
#   proxy_clients.sh stop    ends both and waits for them
set -euo pipefail

readonly STOP=/var/tmp/roll-stop URL=https://social.example.test

reads() {
    until [ -e "$STOP" ]; do
        curl -sk -o /dev/null -w '%{http_code}\n' --max-time 10 -H "Authorization: Bearer $TOKEN" \
            "$URL/api/v1/accounts/verify_credentials" >>/var/tmp/roll-api || true
        sleep 0.2
    done
}

stream() {
    until [ -e "$STOP" ]; do
        curl -sk -N -o /dev/null -w '%{http_code}\n' --max-time 900 -H "Authorization: Bearer $TOKEN" \
            "$URL/api/v1/streaming/public" >>/var/tmp/roll-stream || true
        sleep 0.2
    done
}

case "${1:-}" in
    start)
        rm -f "$STOP" /var/tmp/roll-api /var/tmp/roll-stream
        TOKEN=$(cat /etc/fediverse-deploy/mastodon_api_token)
        export TOKEN STOP URL
        export -f reads stream
        setsid nohup bash -c reads >/dev/null 2>&1 &
        setsid nohup bash -c stream >/dev/null 2>&1 &
        ;;
    stop)
        touch "$STOP"
        for _ in $(seq 1 30); do
            # The open stream ends only when its connection does (again each time: one may have opened just before
            # the stop was asked for).
            pkill -f '[c]url -sk -N' || true
            pgrep -f '[c]url -sk' >/dev/null || exit 0
            sleep 1
        done
        echo "the clients did not stop" >&2
        exit 1
        ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
