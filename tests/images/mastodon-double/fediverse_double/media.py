"""Media uploads (``POST /api/v1/media``, ``/api/v2/media``): where Mastodon's Paperclip configuration puts them.

config/initializers/paperclip.rb (4.3+) decides, from the environment, where an attachment's files go and
which URL the API returns; this module does the same for an upload's ``original`` and ``small`` styles:

- ``S3_ENABLED=true``: a PUT of each file to the bucket (Signature V4, ``x-amz-acl`` from
  ``S3_PERMISSION``, Mastodon's ``Cache-Control``), at ``S3_ENDPOINT`` (path-style, or bucket-in-host with
  ``S3_OVERRIDE_PATH_STYLE=true``); the key is ``[S3_KEY_PREFIX/]media_attachments/files/<id partition>/<style>/<name>``.
  The URL is ``<S3_PROTOCOL>://<S3_ALIAS_HOST>/<key>`` when ``S3_ALIAS_HOST`` (or ``S3_CLOUDFRONT_HOST``) is
  set, else ``<S3_PROTOCOL>://<S3_HOSTNAME>/<bucket>/<key>``, ``S3_HOSTNAME`` defaulting to
  ``s3-<S3_REGION>.amazonaws.com`` (Paperclip's ``:s3_alias_url`` and ``:s3_path_url``).
- otherwise: files under ``PAPERCLIP_ROOT_PATH`` (``public/system``) and the URL
  ``https://<WEB_DOMAIN><PAPERCLIP_ROOT_URL>/<path>``.

Paperclip checks none of these settings at boot; a wrong one shows at the first upload, as here: a
connection failure is a ``Seahorse::Client::NetworkingError`` (503, app/controllers/concerns/api/error_handling.rb),
an error answer of the S3 server (wrong key, missing bucket) a 500. The double never sends a request to
AWS: without ``S3_ENDPOINT`` an upload fails as a network error would on an offline test network.
"""

import hashlib
import hmac
import os
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

from fediverse_double.tootctl_media import MAGIC, id_partition

TEMPORARY_PROBLEM = "There was a temporary problem serving your request, please try again"
CACHE_CONTROL = "public, max-age=315576000, immutable"
STYLES = ("original", "small")  # an image's styles (app/models/media_attachment.rb); small is a copy here, not resized
EXTENSIONS = {"image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"), "image/gif": (".gif",)}


class UploadError(Exception):
    """The upload fails: ``status`` and ``error`` are the API's answer, the message goes to the log."""

    def __init__(self, status, error, message):
        super().__init__(message)
        self.status = status
        self.error = error


def sniff(body, filename):
    """Paperclip's content type from the bytes, and the file name's extension kept when it fits the type."""
    for magic, content_type, extension in MAGIC:
        if body.startswith(magic):
            given = os.path.splitext(filename or "")[1].lower()
            return content_type, given if given in EXTENSIONS[content_type] else extension
    raise UploadError(422, "Validation failed: File content type is invalid, File is invalid", "not a PNG, JPEG or GIF image")


def s3_enabled(env=None):
    env = os.environ if env is None else env
    return env.get("S3_ENABLED") == "true"


def attachment_path(record_id, style, name):
    """Paperclip's ``:class/:attachment/:id_partition/:style/:filename`` for a local media attachment."""
    return f"media_attachments/files/{id_partition(record_id)}/{style}/{name}"


def s3_key(path, env=None):
    """The object key: the path, behind ``S3_KEY_PREFIX/`` when that is set (4.3+)."""
    env = os.environ if env is None else env
    return env["S3_KEY_PREFIX"] + "/" + path if "S3_KEY_PREFIX" in env else path


def _with_colon(protocol):
    """Paperclip's ``s3_protocol(style, true)``: ``https:``, or nothing for an empty protocol (``//host/...``)."""
    return f"{protocol}:" if protocol else ""


def public_url(path, env=None):
    """The URL Mastodon's API returns for a stored file, as Paperclip interpolates it."""
    env = os.environ if env is None else env
    if not s3_enabled(env):
        web = env.get("WEB_DOMAIN") or env.get("LOCAL_DOMAIN") or f"localhost:{env.get('PORT', '3000')}"
        return f"https://{web}{env.get('PAPERCLIP_ROOT_URL', '/system')}/{path}"
    key = s3_key(path, env)
    protocol = _with_colon(env.get("S3_PROTOCOL", "https"))
    if "S3_ALIAS_HOST" in env or "S3_CLOUDFRONT_HOST" in env:
        # ENV['S3_ALIAS_HOST'] || ENV['S3_CLOUDFRONT_HOST']: Ruby's || keeps an empty string.
        alias = env["S3_ALIAS_HOST"] if "S3_ALIAS_HOST" in env else env["S3_CLOUDFRONT_HOST"]
        return f"{protocol}//{alias}/{key}"
    region = env.get("S3_REGION", "us-east-1")
    hostname = env.get("S3_HOSTNAME", f"s3-{region}.amazonaws.com")
    return f"{protocol}//{hostname}/{env.get('S3_BUCKET', '')}/{key}"


def sigv4_headers(method, url, payload, headers, region, access_key, secret_key, now=None):
    """AWS Signature Version 4 for S3 (a signed payload hash): the request's headers plus Authorization."""
    now = now or datetime.now(UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    parts = urllib.parse.urlsplit(url)
    signed = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    signed.update({"host": parts.netloc, "x-amz-date": amz_date, "x-amz-content-sha256": hashlib.sha256(payload).hexdigest()})
    names = sorted(signed)
    query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    )
    canonical = "\n".join([method, parts.path or "/", query, "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names), signed["x-amz-content-sha256"]])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["authorization"] = f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    return signed


def object_url(key, env=None):
    """Where aws-sdk-s3 sends the PUT: ``S3_ENDPOINT/<bucket>/<key>`` (force_path_style unless S3_OVERRIDE_PATH_STYLE)."""
    env = os.environ if env is None else env
    endpoint = env["S3_ENDPOINT"].rstrip("/")
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UploadError(500, "Internal Server Error", f"ArgumentError: expected :endpoint to be a HTTP or HTTPS endpoint, got {endpoint!r}")
    quoted = urllib.parse.quote(key, safe="/-_.~")
    if env.get("S3_OVERRIDE_PATH_STYLE") == "true":
        return f"{parts.scheme}://{env['S3_BUCKET']}.{parts.netloc}{parts.path}/{quoted}"
    return f"{endpoint}/{env['S3_BUCKET']}/{quoted}"


def put_object(key, body, content_type, env=None):
    """One PutObject as Paperclip's S3 storage sends it (no multipart: the double's uploads are small)."""
    env = os.environ if env is None else env
    if "S3_ENDPOINT" not in env:
        raise UploadError(503, TEMPORARY_PROBLEM, "Seahorse::Client::NetworkingError: no S3_ENDPOINT, and the test double never connects to AWS")
    if not env.get("S3_BUCKET"):
        raise UploadError(500, "Internal Server Error", "ArgumentError: missing required option :name (S3_BUCKET is not set)")
    if not env.get("AWS_ACCESS_KEY_ID") or not env.get("AWS_SECRET_ACCESS_KEY"):
        raise UploadError(
            500, "Internal Server Error", "Aws::Sigv4::Errors::MissingCredentialsError: missing credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
        )
    if env.get("S3_SIGNATURE_VERSION", "v4") != "v4":
        raise UploadError(500, "Internal Server Error", f"the test double signs requests with v4 only, not S3_SIGNATURE_VERSION={env['S3_SIGNATURE_VERSION']}")
    url = object_url(key, env)
    headers = {"Content-Type": content_type, "Cache-Control": CACHE_CONTROL}
    permission = env.get("S3_PERMISSION", "public-read")
    if permission:  # S3_PERMISSION='' sends no ACL (for buckets without ACL support)
        headers["x-amz-acl"] = permission
    if env.get("S3_STORAGE_CLASS"):
        headers["x-amz-storage-class"] = env["S3_STORAGE_CLASS"]
    signed = sigv4_headers("PUT", url, body, headers, env.get("S3_REGION", "us-east-1"), env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    signed.pop("host")
    request = urllib.request.Request(url, data=body, method="PUT", headers=signed)
    timeout = max(int(env.get("S3_OPEN_TIMEOUT", "5") or 5), int(env.get("S3_READ_TIMEOUT", "5") or 5))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as err:
        code = re.search(r"<Code>([^<]+)</Code>", err.read(2000).decode(errors="replace"))
        name = code.group(1) if code else f"Http{err.code}Error"
        raise UploadError(500, "Internal Server Error", f"Aws::S3::Errors::{name} (HTTP {err.code}) from PUT {url}") from err
    except (OSError, ValueError) as err:
        raise UploadError(503, TEMPORARY_PROBLEM, f"Seahorse::Client::NetworkingError: {err} ({url})") from err


def store(record_id, body, content_type, extension, env=None):
    """Write every style of a new upload under a random name (Attachmentable); return {style: URL}."""
    env = os.environ if env is None else env
    name = secrets.token_hex(8) + extension
    urls = {}
    for style in STYLES:
        path = attachment_path(record_id, style, name)
        if s3_enabled(env):
            put_object(s3_key(path, env), body, content_type, env)
        else:
            target = os.path.join(env.get("PAPERCLIP_ROOT_PATH", "/opt/mastodon/public/system"), path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target + ".partial", "wb") as handle:
                handle.write(body)
            os.replace(target + ".partial", target)
        urls[style] = public_url(path, env)
    return urls


def log(message):
    print(f"[media] {message}", file=sys.stderr, flush=True)
