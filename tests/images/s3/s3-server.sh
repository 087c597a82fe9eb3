#!/usr/bin/env bash
# Entrypoint of fediverse-test/s3: the user and the bucket named in the environment, then radosgw in the
# foreground. See the Dockerfile for the variables.
set -euo pipefail

fail() {
    echo "s3-server: $*" >&2
    exit 1
}
[ -n "${AWS_ACCESS_KEY_ID:-}" ] || fail "AWS_ACCESS_KEY_ID is required (the access key of the S3 user)"
[ -n "${AWS_SECRET_ACCESS_KEY:-}" ] || fail "AWS_SECRET_ACCESS_KEY is required (the secret key of the S3 user)"
[ -n "${S3_BUCKET:-}" ] || fail "S3_BUCKET is required (the bucket made at start)"
[[ "$S3_BUCKET" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || fail "S3_BUCKET: '$S3_BUCKET' is not a valid bucket name (3-63 of a-z 0-9 . -)"
port="${S3_PORT:-8080}"
endpoint="http://127.0.0.1:${port}"
user=s3-user
rm -f /tmp/s3-ready

# radosgw-admin on the dbstore back end now and then hangs instead of exiting (always so for `user info`
# of an unknown user and for `user list`, which are not used here): each call gets 10 s (it takes well under
# one) and is tried again; both calls below may run twice.
admin() {
    local code
    for _ in 1 2 3; do
        code=0
        timeout 10 radosgw-admin --no-mon-config "$@" >/dev/null 2>&1 || code=$?
        [ "$code" = 124 ] || return "$code"
        echo "s3-server: radosgw-admin $1 $2 did not exit in 10 s; once more" >&2
    done
    return 124
}
# The user once (17: it exists already), then its key (re)set on every start, so a changed secret takes effect.
code=0
admin user create --uid="$user" --display-name="fediverse-test S3 user" --access-key="$AWS_ACCESS_KEY_ID" --secret-key="$AWS_SECRET_ACCESS_KEY" || code=$?
[ "$code" = 0 ] || [ "$code" = 17 ] || fail "radosgw-admin could not create the user (exit $code)"
admin key create --uid="$user" --key-type=s3 --access-key="$AWS_ACCESS_KEY_ID" --secret-key="$AWS_SECRET_ACCESS_KEY" \
    || fail "radosgw-admin could not set the user's key"

radosgw -d -n client.rgw --no-mon-config --rgw-frontends="beast port=${port}" &
rgw=$!
trap 'kill -TERM "$rgw" 2>/dev/null' TERM INT

signed() {
    curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "${AWS_ACCESS_KEY_ID}:${AWS_SECRET_ACCESS_KEY}" "$@"
}
for _ in $(seq 300); do
    curl -s -o /dev/null "$endpoint/" && break
    kill -0 "$rgw" 2>/dev/null || fail "radosgw exited before it answered"
    sleep 0.2
done
# PUT bucket: 200 when made and when it is already ours.
status=$(signed -o /tmp/s3-answer -w '%{http_code}' -X PUT "$endpoint/$S3_BUCKET") || status=000
if [ "$status" != 200 ]; then
    kill -TERM "$rgw"
    fail "making bucket $S3_BUCKET failed: HTTP $status $(cat /tmp/s3-answer 2>/dev/null)"
fi
policy='{"Version":"2012-10-17","Statement":[{"Sid":"PublicReadObjects","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::'"$S3_BUCKET"'/*"]}]}'
status=$(signed -o /tmp/s3-answer -w '%{http_code}' -X PUT --data-binary "$policy" "$endpoint/$S3_BUCKET?policy") || status=000
if [ "$status" != 204 ] && [ "$status" != 200 ]; then
    kill -TERM "$rgw"
    fail "setting the public-read policy of $S3_BUCKET failed: HTTP $status $(cat /tmp/s3-answer 2>/dev/null)"
fi
echo "s3-server: bucket $S3_BUCKET ready at $endpoint/$S3_BUCKET/ (objects publicly readable)" >&2
touch /tmp/s3-ready
set +e
wait "$rgw"
code=$?
# A TERM interrupts the first wait; wait again for radosgw's own shutdown.
if kill -0 "$rgw" 2>/dev/null; then
    wait "$rgw"
    code=$?
fi
exit "$code"
