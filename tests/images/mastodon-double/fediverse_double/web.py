"""`bundle exec puma -C config/puma.rb`: the web process.

An ASGI wrapper does what production Rails does before any controller (HTTPS redirect via force_ssl,
Host allowlist, /health exempt from both), answers instance metadata, WebFinger and NodeInfo from the
real Postgres (site.py), checks bearer tokens against ``oauth_access_tokens`` (revoked -> 401, user not
functional -> 403), and hands the REST API to mastodon-mock, whose own tables live in the Postgres schema
``mastodon_mock`` of the same database.
"""

import contextlib
import json
import os
from datetime import UTC, datetime
from urllib.parse import parse_qs

import anyio.to_thread
import uvicorn

from fediverse_double import boot, media, metrics, site

TOKEN_SQL = """
SELECT t.revoked_at IS NULL, a.username, u.email, u.confirmed_at IS NOT NULL, u.approved, u.disabled,
       a.suspended_at IS NULL, r.name
FROM oauth_access_tokens t JOIN users u ON u.id = t.resource_owner_id JOIN accounts a ON a.id = u.account_id
LEFT JOIN user_roles r ON r.id = u.role_id WHERE t.token = %s"""
LOCAL_USERS_SQL = """SELECT a.username, u.email FROM accounts a JOIN users u ON u.account_id = a.id
WHERE a.domain IS NULL ORDER BY a.id"""
MEDIA_PATHS = ("/api/v1/media", "/api/v2/media")


def build_mock():
    """mastodon-mock's app, with its SQLAlchemy engine on Postgres (schema mastodon_mock) instead of SQLite."""
    import mastodon_mock.app as mock_app
    from mastodon_mock.config import MastodonMockConfig, RateLimitConfig, SeedConfig
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.engine import URL

    params = boot.db_params()
    url = URL.create(
        "postgresql+psycopg2", username=params["user"], password=params["password"], host=params["host"], port=params["port"], database=params["dbname"]
    )
    engine = create_engine(url, pool_pre_ping=True)

    # mastodon-mock's tables, in each transaction: through PgBouncer in transaction mode (as Mastodon may run) a
    # session's settings do not follow it from one transaction to the next, and PgBouncer refuses the startup
    # parameter `options` that would set them for the connection.
    @event.listens_for(engine, "begin")
    def _mock_schema(conn):
        conn.exec_driver_sql("SET LOCAL search_path TO mastodon_mock")

    # Web processes of several hosts start at once on a fresh database: one makes the schema and the tables
    # while the others wait (CREATE ... IF NOT EXISTS alone races), then create_app's own create_all finds them.
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('fediverse_double_mastodon_mock_schema'))"))
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS mastodon_mock"))
        mock_app.Base.metadata.create_all(conn, checkfirst=True)
    mock_app.init_engine = lambda _config: engine
    web = site.domains()[1]
    config = MastodonMockConfig(
        domain=web,
        url_scheme="https",
        mocked_version=boot.RELEASE,
        title="Mastodon",
        seed=SeedConfig(),  # no built-in test token: every token comes from oauth_access_tokens
        ratelimit=RateLimitConfig(enabled=True, limit=300, window_seconds=300),  # 300 per 5 min per token
    )
    return mock_app.create_app(config), engine


def sync_users(engine, users, token=None):
    """Make Mastodon's local users (and a checked token) known to mastodon-mock, idempotently."""
    from mastodon_mock.config import SeedAccount, SeedConfig
    from mastodon_mock.db.seed import apply_seed_data

    accounts = [SeedAccount(username=u, email=e, access_token=token if i == len(users) - 1 else None) for i, (u, e) in enumerate(users)]
    apply_seed_data(engine, SeedConfig(accounts=accounts))


def iso_reset(value):
    """X-RateLimit-Reset as Mastodon sends it (ISO 8601 with microseconds), not epoch seconds."""
    if value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


async def respond(send, status, body, content_type="application/json; charset=utf-8", headers=()):
    if not isinstance(body, bytes):
        body = (json.dumps(body) if content_type.startswith("application/") else body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


# ActionDispatch::SSL (config.force_ssl in config/environments/production.rb, no hsts options): Rails' default
# header on every answer to an HTTPS request, /health and refusals included, unless one is set already.
RAILS_HSTS = b"max-age=63072000; includeSubDomains"


def with_rails_hsts(send):
    async def send_with_hsts(message):
        if message["type"] == "http.response.start" and not any(k.lower() == b"strict-transport-security" for k, _value in message["headers"]):
            message["headers"] = [*message["headers"], (b"strict-transport-security", RAILS_HSTS)]
        await send(message)

    return send_with_hsts


class DoubleApp:
    def __init__(self, mock, engine, reporter=None):
        self.mock = mock
        self.engine = engine
        self.reporter = reporter  # Mastodon's Prometheus exporter middleware, when switched on (metrics.py)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.mock(scope, receive, send)
        if self.reporter is not None:
            send = self.reporter.wrap(send, scope["path"])
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        path = scope["path"]
        if headers.get("x-forwarded-proto", scope.get("scheme")) == "https":
            send = with_rails_hsts(send)
        if path == "/health":
            return await respond(send, 200, "OK", "text/plain; charset=utf-8")
        host = headers.get("host", "")
        query = scope.get("query_string", b"").decode()
        if headers.get("x-forwarded-proto", scope.get("scheme")) != "https":
            location = f"https://{host}{path}" + (f"?{query}" if query else "")
            return await respond(
                send,
                301,
                f'<html><body>You are being <a href="{location}">redirected</a>.</body></html>',
                "text/html; charset=utf-8",
                [(b"location", location.encode())],
            )
        if host.rsplit(":", 1)[0].lower() not in site.allowed_hosts():
            return await respond(send, 403, f"Blocked hosts: {host}", "text/html; charset=utf-8")
        own = await self.own_route(path, parse_qs(query))
        if own is not None:
            return await respond(send, *own)
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            refusal = await anyio.to_thread.run_sync(self.check_token, auth[7:].strip())
            if refusal is not None:
                return await respond(send, *refusal)

        if scope["method"] == "POST" and path in MEDIA_PATHS:
            return await self.upload(scope, receive, send)

        async def send_fixed(message):
            if message["type"] == "http.response.start":
                message["headers"] = [(k, iso_reset(v.decode()).encode() if k.lower() == b"x-ratelimit-reset" else v) for k, v in message["headers"]]
                # Mastodon's controllers default to `Cache-Control: private, no-store`
                # (ApplicationController#set_cache_control_defaults); mastodon-mock sends none, and the proxy's
                # cache, configured as upstream's nginx.conf, would then serve one user's API answers to the next.
                if not any(k.lower() == b"cache-control" for k, _value in message["headers"]):
                    message["headers"].append((b"cache-control", b"private, no-store"))
            await send(message)

        return await self.mock(scope, receive, send_fixed)

    async def upload(self, scope, receive, send):
        """mastodon-mock checks the token and the form and keeps the record; the files go where Paperclip puts them."""
        from sqlalchemy import text
        from starlette.requests import Request

        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)

        def replay():
            sent = False

            async def receive_again():
                nonlocal sent
                if sent:
                    return {"type": "http.disconnect"}
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            return receive_again

        answer = {"status": 500, "headers": [], "body": b""}

        async def capture(message):
            if message["type"] == "http.response.start":
                answer["status"], answer["headers"] = message["status"], message["headers"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        await self.mock(scope, replay(), capture)
        headers = [
            (k, iso_reset(v.decode()).encode() if k.lower() == b"x-ratelimit-reset" else v)
            for k, v in answer["headers"]
            if k.lower() not in (b"content-length", b"content-type", b"cache-control")
        ]
        if answer["status"] != 200:
            return await respond(
                send, answer["status"], answer["body"], "application/json; charset=utf-8", headers + [(b"cache-control", b"private, no-store")]
            )
        record = json.loads(answer["body"])
        upload = (await Request(scope, replay()).form()).get("file")
        data = await upload.read()

        def finish():
            media_id = {"id": int(record["id"])}
            with self.engine.begin() as conn:
                row = conn.execute(text("SELECT filename FROM media_attachments WHERE id = :id"), media_id).first()
            if row is not None and row[0]:  # mastodon-mock's own copy of the file
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(self.mock.state.media_path, "attachments", row[0]))
            try:
                content_type, extension = media.sniff(data, upload.filename)
                urls = media.store(media_id["id"], data, content_type, extension)
            except media.UploadError:
                with self.engine.begin() as conn:  # Mastodon's transaction rolls back: no record
                    conn.execute(text("DELETE FROM media_attachments WHERE id = :id"), media_id)
                raise
            with self.engine.begin() as conn:
                conn.execute(
                    text("UPDATE media_attachments SET url = :url, preview_url = :preview WHERE id = :id"),
                    {**media_id, "url": urls["original"], "preview": urls["small"]},
                )
            return urls

        no_store = [(b"cache-control", b"private, no-store")]
        try:
            urls = await anyio.to_thread.run_sync(finish)
        except media.UploadError as err:
            media.log(f"upload {record['id']} failed: {err}")
            return await respond(send, err.status, {"error": err.error}, headers=no_store)
        record.update(url=urls["original"], preview_url=urls["small"])
        return await respond(send, 200, record, headers=headers + no_store)

    async def own_route(self, path, query):
        if path == "/api/v2/instance":
            return 200, await anyio.to_thread.run_sync(site.instance_v2)
        if path == "/.well-known/webfinger":
            status, body = await anyio.to_thread.run_sync(site.webfinger, (query.get("resource") or [""])[0])
            return (status, body, "application/jrd+json; charset=utf-8") if body else (status, b"", "text/plain")
        if path == "/.well-known/nodeinfo":
            return 200, site.nodeinfo_links()
        if path == "/nodeinfo/2.0":
            return 200, await anyio.to_thread.run_sync(site.nodeinfo), 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"'
        return None

    def check_token(self, token):
        """Doorkeeper + Api::BaseController: unknown/revoked -> 401, non-functional user -> 403."""
        rows = site._query(TOKEN_SQL, (token,))
        if not rows:
            return 401, {"error": "The access token is invalid"}
        valid, username, email, confirmed, approved, disabled, not_suspended, _role = rows[0]
        if not valid:
            return 401, {"error": "The access token was revoked"}
        if not confirmed:
            return 403, {"error": "Your login is missing a confirmed e-mail address"}
        if not approved:
            return 403, {"error": "Your login is currently pending approval"}
        if disabled or not not_suspended:
            return 403, {"error": "Your login is currently disabled"}
        sync_users(self.engine, [(username, email)], token)
        return None


def main(_args):
    conn = boot.boot_app("puma")
    with conn.cursor() as cur:
        cur.execute(LOCAL_USERS_SQL)
        users = cur.fetchall()
    conn.close()
    mock, engine = build_mock()
    if users:
        sync_users(engine, users)
    # workers=1: uvicorn would otherwise read WEB_CONCURRENCY (meant for Puma) and refuse to start.
    reporter = metrics.WebReporter() if metrics.WebReporter.wanted() else None
    uvicorn.run(
        DoubleApp(mock, engine, reporter),
        host=os.environ.get("BIND", "127.0.0.1"),
        port=int(os.environ.get("PORT", "3000")),
        workers=1,
        log_level="warning",
        proxy_headers=False,
    )
    return 0
