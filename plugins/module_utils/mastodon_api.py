# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small Mastodon REST API client on top of ansible.module_utils.urls.fetch_url.

It knows the bearer token, JSON, Link-header pagination, typed errors, the
X-RateLimit-* headers, and bounded retries. It counts every HTTP request it makes
(retries included), because the instance's rate limit is the real budget.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from ansible.module_utils.api import generate_jittered_backoff
from ansible.module_utils.urls import fetch_url

# Mastodon's maximum page size for account lists (following, followers, list members).
PAGE_LIMIT = 80
RETRYABLE_STATUS = frozenset((500, 502, 503, 504))
_LINK_RE = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


def connection_problems(params):
    """What is wrong with the connection options, before any request: sentences naming the option and the fix.

    The token itself never appears in them.
    """
    problems = []
    url_problem = api_url_problem(params.get("api_url"))
    if url_problem:
        problems.append(url_problem)
    token = clean_token(params.get("api_token"))
    if not token:
        problems.append("api_token is empty; give the access token of the Mastodon user (Preferences > Development)")
    elif not all(33 <= ord(char) < 127 for char in token):
        problems.append(
            "api_token contains spaces, line breaks or other characters no access token has (the token is not shown); check where it is read from, and trim it"
        )
    for name, low in (("retries", 0), ("max_wait", 0), ("timeout", 1)):
        value = params.get(name)
        if value is not None and value < low:
            problems.append("%s is %d; it must be %d or more" % (name, value, low))
    return problems


def clean_token(token):
    """The token without the surrounding whitespace a block scalar or a file read leaves (a trailing newline)."""
    return (token or "").strip()


def api_url_problem(url):
    """Why ``url`` cannot be a Mastodon base URL (scheme, host, no path), or None."""
    example = "e.g. https://social.example.org"
    url = (url or "").strip()
    if not url:
        return "api_url is empty; set it to the base URL of the Mastodon instance, %s" % example
    # A URL with user:password@ is not repeated in a message.
    shown = repr(url) if "@" not in url else "(not shown, it has an @)"
    if any(char.isspace() for char in url):
        return "api_url %s contains whitespace; write the base URL of the instance, %s" % (shown, example)
    try:
        parts = urlsplit(url)
        _port = parts.port  # raises on a bad port
    except ValueError as exc:
        return "api_url %s is not a URL (%s); write the base URL of the instance, %s" % (shown, exc, example)
    if "://" not in url or parts.scheme not in ("http", "https"):
        return "api_url %s must start with https:// (or http://), %s" % (shown, example)
    if not parts.hostname:
        return "api_url %s has no host name, %s" % (shown, example)
    if parts.path.strip("/") or parts.query or parts.fragment or "@" in parts.netloc:
        return "api_url %s must be the bare base URL, without a path, query or credentials (the module adds /api/v1/...): use %s://%s" % (
            shown,
            parts.scheme,
            parts.hostname + (":%d" % parts.port if parts.port else ""),
        )
    return None


def mastodon_argument_spec():
    """Connection options shared by every module that talks to the Mastodon API."""
    return dict(
        api_url=dict(type="str", required=True),
        api_token=dict(type="str", required=True, no_log=True),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="int", default=30),
        retries=dict(type="int", default=3),
        max_wait=dict(type="int", default=300),
    )


class MastodonAPIError(Exception):
    """An HTTP error answered by the API (or a failed connection, status -1)."""

    def __init__(self, status, message, method=None, path=None, body=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.body = body

    def __str__(self):
        where = "%s %s: " % (self.method, self.path) if self.method else ""
        return "%sHTTP %s: %s" % (where, self.status, self.message)


class ConnectionFailed(MastodonAPIError):
    """No HTTP answer at all (refused, reset, timed out, TLS failure)."""


class AuthenticationError(MastodonAPIError):
    """401: missing, revoked or invalid token."""


class ForbiddenError(MastodonAPIError):
    """403: scope missing, user not functional, or 'This action is not allowed'."""


class NotFoundError(MastodonAPIError):
    """404: no such record (or not known to this instance)."""


class ValidationError(MastodonAPIError):
    """422: Mastodon refused the change (already on the list, follow cap, ...)."""


class RateLimitedError(MastodonAPIError):
    """429 that could not be waited out within the configured bound."""

    def __init__(self, status, message, method=None, path=None, body=None, wait=None):
        super().__init__(status, message, method, path, body)
        self.wait = wait


class ServerError(MastodonAPIError):
    """5xx that persisted through the retries."""


_ERROR_BY_STATUS = {401: AuthenticationError, 403: ForbiddenError, 404: NotFoundError, 422: ValidationError, 429: RateLimitedError}


def parse_link_header(value):
    """Map rel -> URL from an RFC 8288 Link header."""
    links = {}
    for url, rel in _LINK_RE.findall(value or ""):
        for name in rel.split():
            links[name] = url
    return links


def parse_reset(value, now):
    """Seconds until an X-RateLimit-Reset value: ISO 8601 (Mastodon) or epoch seconds (some doubles)."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        # Small numbers are a delay, large ones an epoch timestamp.
        return max(0.0, number - now if number > 1e9 else number)
    try:
        stamp = datetime.strptime(value.replace("Z", "+0000")[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    offset = _utc_offset(value)
    epoch = calendar.timegm(stamp.timetuple()) - offset
    return max(0.0, epoch - now)


def _utc_offset(value):
    match = re.search(r"([+-])(\d\d):?(\d\d)$", value)
    if not match:
        return 0
    sign = 1 if match.group(1) == "+" else -1
    return sign * (int(match.group(2)) * 3600 + int(match.group(3)) * 60)


def parse_retry_after(value, now):
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, calendar.timegm(when.utctimetuple()) - now)


class MastodonClient:
    """One client per module run; every request goes through request()."""

    def __init__(self, module, sleep=time.sleep, clock=time.time):
        self.module = module
        params = module.params
        self.base_url = params["api_url"].strip().rstrip("/")
        self._base = urlsplit(self.base_url)
        # connection_problems() refused a token with inner whitespace and negative bounds before this.
        self._token = clean_token(params["api_token"])
        self.timeout = params.get("timeout") or 30
        self.retries = params.get("retries") or 0
        self.max_wait = params.get("max_wait") or 0
        self.ca_path = params.get("ca_path")
        self._sleep = sleep
        self._clock = clock
        self.requests = 0
        self.requests_by_method = {}
        self.waited = 0.0
        self.rate_limit = {}
        self.faults = 0  # 5xx answers and lost connections met (each retried or read back)
        self.read_backs = 0  # writes whose fault was resolved by reading back what the server holds

    # -- public API ---------------------------------------------------------

    def get(self, path, params=None):
        return self.request("GET", path, params=params)[0]

    def post(self, path, body=None, idempotent=False):
        return self.request("POST", path, body=body, idempotent=idempotent)[0]

    def put(self, path, body=None):
        return self.request("PUT", path, body=body, idempotent=True)[0]

    def delete(self, path, params=None):
        return self.request("DELETE", path, params=params, idempotent=True)[0]

    def write(self, method, path, body=None, params=None, read_back=None):
        """A write Mastodon does not make idempotent (create a list, follow, add list members).

        After a 5xx or a lost connection, the write may or may not have happened. ``read_back()`` finds out
        with reads (which are retried) and returns ``(True, answer)`` when it happened, or ``(False, body)``
        with what is still to be sent; only that is sent again. So a fault that a read-back resolves never
        fails the run, and nothing is written twice. 429 is retried inside request(): Mastodon answers it
        before doing anything.
        """
        backoff = generate_jittered_backoff(retries=self.retries, delay_base=1, delay_threshold=30)
        attempt = 0
        while True:
            try:
                return self.request(method, path, params=params, body=body, idempotent=False)[0]
            except (ConnectionFailed, ServerError) as exc:
                if read_back is None or attempt >= self.retries or not _transient(exc):
                    raise
            # Give a write that is still running on the server the time to finish before looking for it.
            self._pause(max(1, next(backoff, 1)))
            attempt += 1
            done, value = read_back()
            if done:
                self.read_backs += 1
                return value
            body = value

    def probe(self):
        """Check, without the token, that api_url answers like a Mastodon instance; return a problem or None.

        GET /api/v2/instance (Mastodon 4.0 and later), then /api/v1/instance. The message names api_url and
        never includes what a web server that is not Mastodon sent back (an HTML page, say).
        """
        where = "api_url %s" % self.base_url
        for path in ("/api/v2/instance", "/api/v1/instance"):
            try:
                data, info = self.request("GET", path, auth=False)
            except NotFoundError:
                continue
            except ConnectionFailed as exc:
                return "%s is not reachable (%s); check the URL, DNS, TLS and that the instance is up" % (where, exc.message)
            except MastodonAPIError as exc:
                return "%s does not answer like a Mastodon instance: GET %s gave HTTP %s (%s)" % (where, path, exc.status, _short(exc.message))
            if isinstance(data, dict) and (data.get("uri") or data.get("domain")) and data.get("version"):
                return None
            return "%s does not answer like a Mastodon instance: GET %s gave no instance JSON (Content-Type %s); is it the base URL of the instance?" % (
                where,
                path,
                info.get("content-type") or "unknown",
            )
        return "%s does not answer like a Mastodon instance: /api/v2/instance and /api/v1/instance are not found" % where

    def paginate(self, path, params=None):
        """Yield every item of a paginated collection, following rel="next" verbatim.

        Mastodon's cursors are not always the ids of the returned objects (the
        following list pages by follow-record id), so the Link URL is the only
        reliable way forward.
        """
        params = dict(params or {})
        params.setdefault("limit", PAGE_LIMIT)
        url = self._url(path, params)
        while url:
            data, info = self.request("GET", url)
            yield from data or []
            url = parse_link_header(info.get("link")).get("next") if data else None

    def request(self, method, path, params=None, body=None, idempotent=None, auth=True):
        """Send one API call, retrying 429/5xx/connection failures within the bounds.

        Returns (decoded JSON, info). Raises a MastodonAPIError subclass.
        GETs are always safe to retry; writes only when the caller says so, except
        on 429, which Mastodon answers before doing anything.
        """
        if idempotent is None:
            idempotent = method == "GET"
        url = self._url(path, params)
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = "Bearer %s" % self._token
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        backoff = generate_jittered_backoff(retries=self.retries, delay_base=1, delay_threshold=30)
        attempt = 0
        while True:
            self._respect_budget()
            resp, info = fetch_url(self.module, url, data=data, headers=headers, method=method, timeout=self.timeout, ca_path=self.ca_path)
            self.requests += 1
            self.requests_by_method[method] = self.requests_by_method.get(method, 0) + 1
            self._track(info)
            status = info.get("status", -1)
            if 200 <= status < 300:
                return self._decode(resp.read() if resp else b"", info, method, url), info
            error = self._error(status, info, method, url)
            if _transient(error):
                self.faults += 1
            delay = self._retry_delay(error, info, idempotent, attempt, backoff)
            if delay is None:
                raise error
            self._pause(delay)
            attempt += 1

    # -- internals ----------------------------------------------------------

    def _url(self, path, params=None):
        if path.startswith("http://") or path.startswith("https://"):
            # Links built by the server may name its public host; keep the token on
            # the host the user configured, only the path and query are taken.
            parts = urlsplit(path)
            url = urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, ""))
        else:
            url = self.base_url + path
        if params:
            url += ("&" if "?" in url else "?") + encode_params(params)
        return url

    def _decode(self, raw, info, method, url):
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            # Never the body itself: a proxy's or another web server's HTML page says nothing useful here.
            raise MastodonAPIError(
                info.get("status", 200),
                "the answer is not JSON (Content-Type %s, %d bytes)" % (info.get("content-type") or "unknown", len(raw)),
                method,
                self._path(url),
            ) from exc

    def _path(self, url):
        return urlsplit(url).path

    def _scrub(self, text):
        """``text`` without the token, in case a library quoted a header in it (no_log masks only the raw value)."""
        text = str(text)
        if self._token:
            for form in (self._token, repr(self._token)[1:-1]):
                text = text.replace(form, "********")
        return text

    def _error(self, status, info, method, url):
        body = info.get("body")
        message = self._scrub(info.get("msg") or "request failed")
        if body:
            try:
                decoded = json.loads(body)
                message = _short(decoded.get("error") or decoded.get("detail") or message)
            except (ValueError, AttributeError):
                # Not Mastodon's JSON (an HTML error page of a proxy, say): its status says enough.
                message = "%s (the answer is not JSON, Content-Type %s)" % (message, info.get("content-type") or "unknown")
        if status == -1 or status is None:
            return ConnectionFailed(-1, message, method, self._path(url))
        cls = _ERROR_BY_STATUS.get(status)
        if cls is None:
            cls = ServerError if status >= 500 else MastodonAPIError
        return cls(status, message, method, self._path(url), body)

    def _retry_delay(self, error, info, idempotent, attempt, backoff):
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt >= self.retries:
            return None
        if isinstance(error, RateLimitedError):
            wait = self._server_delay(info)
            if wait is None:
                wait = next(backoff, None)
            if wait is None or wait > self.max_wait:
                error.wait = wait
                return None
            # This wait is the server's answer to the exhausted window; do not wait for it twice.
            self.rate_limit["remaining"] = None
            return wait
        if idempotent and _transient(error):
            return next(backoff, None)
        return None

    def _server_delay(self, info):
        now = self._clock()
        delay = parse_retry_after(info.get("retry-after"), now)
        if delay is None:
            delay = parse_reset(info.get("x-ratelimit-reset"), now)
        return delay

    def _track(self, info):
        for key in ("limit", "remaining", "reset"):
            value = info.get("x-ratelimit-" + key)
            if value is not None:
                self.rate_limit[key] = value

    def _respect_budget(self):
        """Wait out an exhausted window instead of spending a request on a 429."""
        if str(self.rate_limit.get("remaining", "1")).strip() != "0":
            return
        delay = parse_reset(self.rate_limit.get("reset"), self._clock())
        self.rate_limit["remaining"] = None
        if delay and delay <= self.max_wait:
            self._pause(delay)

    def _pause(self, seconds):
        self.waited += seconds
        self._sleep(seconds)

    def stats(self):
        """What the run cost, for the module result (never includes the token)."""
        return dict(
            total=self.requests,
            by_method=dict(self.requests_by_method),
            waited_seconds=round(self.waited, 3),
            rate_limit=dict((k, v) for k, v in self.rate_limit.items() if v is not None),
            faults=self.faults,
            read_backs=self.read_backs,
        )


def _transient(error):
    """A fault a retry or a read-back may resolve: a lost connection or a 5xx of an overloaded or restarting server."""
    return isinstance(error, ConnectionFailed) or error.status in RETRYABLE_STATUS


def _short(text, limit=200):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


def encode_params(params):
    """Query string with Rails-style arrays: ids=[1, 2] -> ids[]=1&ids[]=2."""
    pairs = []
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            name = key if key.endswith("[]") else key + "[]"
            pairs.extend((name, _scalar(v)) for v in value)
        elif value is not None:
            pairs.append((key, _scalar(value)))
    return urlencode(pairs)


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
