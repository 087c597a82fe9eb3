# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Media uploads of the Mastodon test double land where Mastodon's S3_* variables say, in a real S3 server.

Plain containers on this machine's engine, on one network of their own: the test S3 server
(tests/images/s3, Ceph's radosgw), Postgres and Redis, and one web process of the double per storage
configuration. Each upload is read back from the S3 server without credentials (the bucket is
publicly readable, as Mastodon requires), at the key the returned URL names.
"""

import base64
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import docker
import docker.errors
import pytest

ROOT = Path(__file__).resolve().parents[2]
S3_IMAGE = "fediverse-test/s3:trixie"
DOUBLE_IMAGE = "fediverse-test/mastodon-double:v4.7.0"
POSTGRES_IMAGE = "fediverse-test/postgres:17"
REDIS_IMAGE = "fediverse-test/redis:7"
DOMAIN = "social.example.test"
BUCKET = "mastodon-media"
# Test-only keys of throwaway containers, not credentials.
ACCESS_KEY = "FDTESTMEDIAACCESSKEY"
SECRET_KEY = "fdtest/media+secret"
# A 1x1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")

# One web process per storage configuration (the S3 endpoint is added below).
CONFIGS = {
    "alias": {"S3_ENABLED": "true", "S3_ALIAS_HOST": "files.social.example.test"},
    "hostname": {"S3_ENABLED": "true", "S3_HOSTNAME": "s3.example.test", "S3_KEY_PREFIX": "instance-a"},
    "wrong_secret": {"S3_ENABLED": "true", "S3_ALIAS_HOST": "files.social.example.test", "AWS_SECRET_ACCESS_KEY": "not-the-secret"},
    "local": {},
}


def build_images():
    """The images this test runs (build.py skips those whose inputs are unchanged)."""
    images = (S3_IMAGE, DOUBLE_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE)
    result = subprocess.run([sys.executable, str(ROOT / "tests/images/build.py"), *images], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def wait_for(what, probe, timeout=120, logs=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}" + (":\n" + logs.logs(tail=40).decode(errors="replace") if logs else ""))


def published_port(container, port):
    container.reload()
    return int(container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"])


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


class Stack:
    def __init__(self):
        self.client = docker.from_env()
        self.suffix = uuid.uuid4().hex[:8]
        self.containers = []
        self.network = self.client.networks.create(f"fdtest-media-{self.suffix}")

    def run(self, image, name, **options):
        container = self.client.containers.run(image, detach=True, name=f"fdtest-media-{name}-{self.suffix}", network=self.network.name, **options)
        self.containers.append(container)
        return container

    def name(self, short):
        return f"fdtest-media-{short}-{self.suffix}"

    def double_env(self, extra=None):
        env = {
            "LOCAL_DOMAIN": DOMAIN,
            "DB_HOST": self.name("postgres"),
            "DB_USER": "mastodon",
            "DB_PASS": "double-db-password",
            "DB_NAME": "mastodon_production",
            "REDIS_HOST": self.name("redis"),
            "REDIS_PASSWORD": "double-redis-password",
            "SECRET_KEY_BASE": "0" * 128,
            "ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY": "a" * 32,
            "ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT": "b" * 32,
            "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY": "c" * 32,
            "FEDIVERSE_DOUBLE_DNS_NAMES": f"{DOMAIN},example.test",
        }
        return {**env, **(extra or {})}

    def one_off(self, command, environment=None):
        """A one-off container of the double (as the role runs migrations and tootctl); its output and exit code."""
        container = self.client.containers.run(DOUBLE_IMAGE, command, detach=True, network=self.network.name, environment=self.double_env(environment))
        try:
            code = container.wait(timeout=120)["StatusCode"]
            return code, container.logs(stdout=True, stderr=False).decode(), container.logs(stdout=False, stderr=True).decode()
        finally:
            container.remove(force=True)

    def close(self):
        for container in self.containers:
            try:
                container.remove(force=True, v=True)
            except docker.errors.NotFound:
                pass
        self.network.remove()


@pytest.fixture(scope="module")
def stack():
    build_images()
    stack = Stack()
    try:
        stack.run(
            POSTGRES_IMAGE,
            "postgres",
            environment={"POSTGRES_USER": "mastodon", "POSTGRES_PASSWORD": "double-db-password", "POSTGRES_DB": "mastodon_production"},
        )
        stack.run(REDIS_IMAGE, "redis", command=["redis-server", "--requirepass", "double-redis-password"])
        s3 = stack.run(
            S3_IMAGE,
            "s3",
            environment={"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "S3_BUCKET": BUCKET},
            ports={"8080/tcp": ("127.0.0.1", None)},
        )
        # db:prepare once Postgres takes connections (the double's boot refuses before).
        wait_for("db:prepare", lambda: stack.one_off(["bundle", "exec", "rails", "db:prepare"])[0] == 0)
        code, out, err = stack.one_off(
            ["bin/tootctl", "accounts", "create", "owner", "--email", f"owner@{DOMAIN}", "--confirmed", "--approve", "--role", "Owner"]
        )
        assert code == 0, out + err
        code, out, err = stack.one_off(
            ["bin/rails", "runner", "# fediverse.deploy runner: access_token v1\n"],
            {"FEDIVERSE_RUNNER_INPUT": json.dumps({"username": "owner", "app_name": "media-test", "scopes": "read write"})},
        )
        assert code == 0, out + err
        stack.token = json.loads(out.strip().splitlines()[-1])["token"]
        stack.s3_port = published_port(s3, 8080)
        endpoint = {"S3_ENDPOINT": f"http://{stack.name('s3')}:8080", "S3_BUCKET": BUCKET, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        stack.web = {}
        for name, extra in CONFIGS.items():  # one after the other: each makes mastodon-mock's tables if missing
            env = {**endpoint, **extra} if extra.get("S3_ENABLED") else extra
            web = stack.run(
                DOUBLE_IMAGE,
                f"web-{name}",
                command=["bundle", "exec", "puma", "-C", "config/puma.rb"],
                environment=stack.double_env(env),
                ports={"3000/tcp": ("127.0.0.1", None)},
            )
            stack.web[name] = web
            port = published_port(web, 3000)
            wait_for(f"web {name}", lambda port=port: healthy(port), logs=web)
        wait_for("the S3 server", lambda: s3.reload() or s3.attrs["State"].get("Health", {}).get("Status") == "healthy", logs=s3)
        yield stack
    finally:
        stack.close()


def healthy(port):
    try:
        return http("GET", f"http://127.0.0.1:{port}/health")[0] == 200
    except OSError:
        return False


def upload(stack, config, path="/api/v2/media"):
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="pixel.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
        + PNG
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nA pixel\r\n--{boundary}--\r\n'.encode()
    )
    headers = {
        "Host": DOMAIN,
        "X-Forwarded-Proto": "https",
        "Authorization": f"Bearer {stack.token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    status, _headers, answer = http("POST", f"http://127.0.0.1:{published_port(stack.web[config], 3000)}{path}", body, headers)
    return status, json.loads(answer)


def from_bucket(stack, key):
    """GET of an object without credentials, straight from the S3 server."""
    return http("GET", f"http://127.0.0.1:{stack.s3_port}/{BUCKET}/{key}")


def id_partition(record_id):
    """Paperclip's :id_partition: the id padded to 9 digits in groups of three; digits past the last full group are dropped."""
    text = f"{record_id:09d}"
    return "/".join(re.findall(r"\d{3}", text))


PATH = r"media_attachments/files/(\d{3}/\d{3}/\d{3}(?:/\d{3})*)/(original|small)/([0-9a-f]{16}\.png)"


def test_upload_lands_in_the_bucket_and_the_url_follows_s3_alias_host(stack):
    status, media = upload(stack, "alias")
    assert status == 200, media
    match = re.fullmatch(r"https://files\.social\.example\.test/" + PATH, media["url"])
    assert match, media["url"]
    assert match.group(1) == id_partition(int(media["id"]))
    assert media["preview_url"] == media["url"].replace("/original/", "/small/")
    for url in (media["url"], media["preview_url"]):
        key = url.removeprefix("https://files.social.example.test/")
        status, headers, body = from_bucket(stack, key)
        assert (status, body) == (200, PNG), (key, status)
        assert headers["Content-Type"] == "image/png"
        assert headers["Cache-Control"] == "public, max-age=315576000, immutable"
    # The record keeps the URL (GET /api/v1/media/:id), and v1 uploads are stored the same way.
    status, v1 = upload(stack, "alias", "/api/v1/media")
    assert status == 200 and v1["url"].startswith("https://files.social.example.test/media_attachments/files/"), v1
    assert from_bucket(stack, v1["url"].removeprefix("https://files.social.example.test/"))[0] == 200
    # The bucket is readable, not listable or writable, without credentials.
    assert http("GET", f"http://127.0.0.1:{stack.s3_port}/{BUCKET}/")[0] == 403
    assert http("PUT", f"http://127.0.0.1:{stack.s3_port}/{BUCKET}/intruder.png", PNG)[0] == 403


def test_without_an_alias_host_the_url_is_path_style_on_s3_hostname(stack):
    status, media = upload(stack, "hostname")
    assert status == 200, media
    match = re.fullmatch(rf"https://s3\.example\.test/{BUCKET}/instance-a/" + PATH, media["url"])
    assert match, media["url"]
    key = media["url"].removeprefix(f"https://s3.example.test/{BUCKET}/")
    assert from_bucket(stack, key)[::2] == (200, PNG)


def test_a_wrong_secret_fails_the_upload_with_the_s3_error_in_the_log(stack):
    status, answer = upload(stack, "wrong_secret")
    assert status == 500, answer
    logs = stack.web["wrong_secret"].logs().decode()
    assert "Aws::S3::Errors::SignatureDoesNotMatch" in logs, logs[-2000:]


def test_without_s3_uploads_go_to_public_system(stack):
    status, media = upload(stack, "local")
    assert status == 200, media
    match = re.fullmatch(rf"https://{re.escape(DOMAIN)}/system/" + PATH, media["url"])
    assert match, media["url"]
    path = "/opt/mastodon/public/system/" + media["url"].split("/system/", 1)[1]
    code, output = stack.web["local"].exec_run(["cat", path])
    assert (code, output) == (0, PNG)
