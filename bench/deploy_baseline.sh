#!/usr/bin/env bash
# Baseline for bench/deploy.py: the same first deploy as the collection's playbook, by hand, without
# Ansible, on a fresh spare server (run inside it). Same images, networks, containers, one-off commands
# and waits; none of the checks, validation, idempotence or files the roles keep. Prints one line per
# phase: "<phase> <seconds>".
set -euo pipefail
DOMAIN=social.example.test
MASTODON=fediverse-test/mastodon-double:v4.7.0
STREAMING=fediverse-test/mastodon-streaming-double:v4.7.0
phase_start=$(date +%s%N)
phase() {  # phase NAME: print the seconds since the last call
    local now; now=$(date +%s%N)
    local ms=$(( (now - phase_start) / 1000000 ))
    printf '%s %d.%03d\n' "$1" $((ms / 1000)) $((ms % 1000))
    phase_start=$now
}
wait_healthy() {
    for _ in $(seq 1 180); do
        [ "$(docker inspect -f '{{.State.Health.Status}}' "$1")" = healthy ] && return 0
        sleep 1
    done
    echo "$1 never became healthy" >&2; exit 1
}

# Engine (debug logging on, so that bench/deploy.py can count API calls, as for the collection's runs).
mkdir -p /etc/docker /etc/systemd/system/docker.service.d
echo '{"debug": true, "live-restore": true}' > /etc/docker/daemon.json
# The test environment's artifact that the collection's runs get from docker_service_environment (Docker 26+
# in these nested containers cannot write IPv6 settings); without effect on Debian 12's Docker 20.10.
printf '[Service]\nEnvironment="DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1"\n' > /etc/systemd/system/docker.service.d/fediverse-deploy.conf
# Debian 13 ships the client apart from the engine (docker-cli), as the docker role knows.
packages="docker.io python3-docker"
if apt-cache show docker-cli >/dev/null 2>&1; then packages="$packages docker-cli"; fi
# shellcheck disable=SC2086  # a list of package names
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
systemctl is-active --quiet docker
phase "engine install"

# The archives that hold the images, as the collection's runs load them (tests/images/build.py --save:
# images that share their layers share an archive; archives.json says which).
archives=$(python3 -c 'import json, sys; index = json.load(open("/images/archives.json"))
print("\n".join(sorted({index[name] for name in sys.argv[1:]})))' \
    fediverse-test/postgres:15 fediverse-test/redis:7 fediverse-test/nginx:trixie "$MASTODON" "$STREAMING")
for archive in $archives; do
    docker load -q -i "/images/$archive" >/dev/null
done
phase "image load"

docker network create --internal mastodon_internal >/dev/null
docker network create mastodon_external >/dev/null
mkdir -p /var/lib/baseline/postgres /var/lib/baseline/redis /var/lib/baseline/system
chown 991:991 /var/lib/baseline/system
db_pass=$(openssl rand -hex 20)
redis_pass=$(openssl rand -hex 20)
docker run -d --name mastodon-postgres --network mastodon_internal --restart unless-stopped \
    -e POSTGRES_USER=mastodon -e POSTGRES_DB=mastodon_production -e POSTGRES_PASSWORD="$db_pass" \
    -e PGDATA=/var/lib/postgresql/data -v /var/lib/baseline/postgres:/var/lib/postgresql/data \
    --health-cmd 'pg_isready -q -h 127.0.0.1 -U mastodon' --health-interval 1s fediverse-test/postgres:15 >/dev/null
docker run -d --name mastodon-redis --network mastodon_internal --restart unless-stopped \
    -v /var/lib/baseline/redis:/data --health-cmd "redis-cli -a $redis_pass ping" --health-interval 1s \
    fediverse-test/redis:7 redis-server --requirepass "$redis_pass" --appendonly yes >/dev/null
wait_healthy mastodon-postgres
wait_healthy mastodon-redis
phase "postgres/redis up"

# Secrets: random strings, and the VAPID pair from Mastodon's own task (a one-off container).
vapid=$(docker run --rm "$MASTODON" bin/rails mastodon:webpush:generate_vapid_key)
cat > /root/mastodon.env <<ENV
LOCAL_DOMAIN=$DOMAIN
DB_HOST=mastodon-postgres
DB_PORT=5432
DB_NAME=mastodon_production
DB_USER=mastodon
DB_PASS=$db_pass
REDIS_HOST=mastodon-redis
REDIS_PORT=6379
REDIS_PASSWORD=$redis_pass
SECRET_KEY_BASE=$(openssl rand -hex 64)
ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY=$(openssl rand -hex 16)
ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT=$(openssl rand -hex 16)
ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY=$(openssl rand -hex 16)
$vapid
# The test double's stand-in for DNS: the owner's e-mail domain resolves (real Mastodon asks real DNS).
FEDIVERSE_DOUBLE_DNS_NAMES=$DOMAIN
ENV
chmod 600 /root/mastodon.env
docker run --rm --network mastodon_internal --env-file /root/mastodon.env "$MASTODON" bin/rails db:prepare >/dev/null
phase "database prepare"

app() {  # app NAME IMAGE HEALTHCHECK COMMAND...
    local name=$1 image=$2 health=$3; shift 3
    docker run -d --name "$name" --network mastodon_internal --env-file /root/mastodon.env --restart unless-stopped \
        -v /var/lib/baseline/system:/opt/mastodon/public/system --health-cmd "$health" --health-interval 2s \
        "$image" "$@" >/dev/null
    docker network connect mastodon_external "$name"
}
app mastodon-web "$MASTODON" "curl -s --noproxy localhost localhost:3000/health | grep -q OK" bundle exec puma -C config/puma.rb
app mastodon-streaming "$STREAMING" "curl -s --noproxy localhost localhost:4000/api/v1/streaming/health | grep -q OK" \
    node ./streaming/index.js
app mastodon-sidekiq "$MASTODON" "ps aux | grep '[s]idekiq\ 8' || false" bundle exec sidekiq
for name in mastodon-web mastodon-streaming mastodon-sidekiq; do wait_healthy "$name"; done
phase "app containers healthy"

mkdir -p /etc/baseline/nginx/conf.d /etc/baseline/nginx/tls
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 90 -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN" -keyout /etc/baseline/nginx/tls/privkey.pem \
    -out /etc/baseline/nginx/tls/fullchain.pem 2>/dev/null
cat > /etc/baseline/nginx/conf.d/mastodon.conf <<'NGINX'
resolver 127.0.0.11 valid=10s;
server { listen 80; return 301 https://$host$request_uri; }
server {
    listen 443 ssl;
    http2 on;
    ssl_certificate /etc/nginx/tls/fullchain.pem;
    ssl_certificate_key /etc/nginx/tls/privkey.pem;
    location /api/v1/streaming { set $s http://mastodon-streaming:4000; proxy_pass $s;
        proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; }
    location / { set $w http://mastodon-web:3000; proxy_pass $w; proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto https; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }
}
NGINX
docker run -d --name mastodon-nginx --network mastodon_external --restart unless-stopped -p 80:80 -p 443:443 \
    -v /etc/baseline/nginx/conf.d:/etc/nginx/conf.d:ro -v /etc/baseline/nginx/tls:/etc/nginx/tls:ro \
    fediverse-test/nginx:trixie >/dev/null
for _ in $(seq 1 60); do
    docker exec mastodon-nginx nginx -t >/dev/null 2>&1 && break
    sleep 0.5
done
phase "tls (nginx)"

docker exec mastodon-web bin/tootctl accounts create owner --email "owner@$DOMAIN" --confirmed --role Owner --approve \
    >/dev/null
docker exec -i -e FEDIVERSE_RUNNER_INPUT='{"username": "owner", "app_name": "fediverse.deploy", "scopes": "read write follow", "redirect_uri": "urn:ietf:wg:oauth:2.0:oob"}' \
    mastodon-web bin/rails runner - < /root/access_token.rb >/dev/null
phase "owner account and token"
