# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Optional check over the network: WebFinger per handle, host-meta and NodeInfo once per host.

Hosts are looked up first (host-meta for the WebFinger URL template, NodeInfo for the software), each once,
then every handle with a WebFinger request built from its host's template. Both stages run in a bounded
thread pool, and at most `PER_HOST` requests go to one host at a time. A host that cannot be reached marks
its handles `unreachable` without further requests. Nothing is dropped: each account gets a status.

Statuses: `ok` (WebFinger answered with the account), `not_found` (404/410: the account is gone),
`forbidden` (401/403: the server refuses lookups), `unreachable` (DNS, TLS, connection, timeout),
`error` (another HTTP status or an unreadable answer).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PER_HOST = 2
MAX_RESPONSE_BYTES = 1 << 20
USER_AGENT = "fediverse.deploy-twitter-migration (+https://github.com/fediverse-deploy/fediverse.deploy)"
_LINK_TAG = re.compile(r"<Link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'(\w+)\s*=\s*["\']([^"\']*)["\']')
_NODEINFO_SCHEMA = re.compile(r"^https?://nodeinfo\.diaspora\.software/ns/schema/(\d+(?:\.\d+)?)$")


class _HttpFailure(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _https_base(host):
    return "https://%s" % host


class Verifier:
    """`base_url(host)` gives the URL prefix of a host (tests point it at a loopback server)."""

    def __init__(self, timeout=10.0, concurrency=8, base_url=None, opener=None):
        self.timeout = timeout
        self.concurrency = max(1, int(concurrency))
        self.base_url = base_url or _https_base
        self._opener = opener or urllib.request.build_opener()
        self._host_slots = {}
        self._slots_lock = threading.Lock()
        self.hosts = {}
        self.requests = 0

    # -- HTTP ---------------------------------------------------------------------------------------
    def _get(self, url, accept):
        url = str(url)
        try:
            parts = urllib.parse.urlsplit(url)
        except ValueError as exc:
            raise _HttpFailure("error", "%s: %s" % (url, exc)) from None
        if parts.scheme not in ("http", "https"):
            raise _HttpFailure("error", "refusing a %s: URL: %s" % (parts.scheme or "relative", url))
        host = parts.netloc
        with self._slots_lock:
            slot = self._host_slots.setdefault(host, threading.BoundedSemaphore(PER_HOST))
            self.requests += 1
        request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})
        with slot:
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    body = response.read(MAX_RESPONSE_BYTES + 1)
            except urllib.error.HTTPError as exc:
                exc.close()
                if exc.code in (404, 410):
                    raise _HttpFailure("not_found", "HTTP %d from %s" % (exc.code, url)) from None
                if exc.code in (401, 403):
                    raise _HttpFailure("forbidden", "HTTP %d from %s" % (exc.code, url)) from None
                raise _HttpFailure("error", "HTTP %d from %s" % (exc.code, url)) from None
            except (urllib.error.URLError, socket.timeout, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise _HttpFailure("unreachable", "%s: %s" % (url, reason)) from None
            except (http.client.HTTPException, ValueError) as exc:
                # A broken answer (cut short, bad headers) or a URL urllib cannot use.
                raise _HttpFailure("error", "%s: %s" % (url, exc or type(exc).__name__)) from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise _HttpFailure("error", "answer larger than %d bytes from %s" % (MAX_RESPONSE_BYTES, url))
        return body

    def _get_json(self, url, accept="application/json"):
        body = self._get(url, accept)
        try:
            return json.loads(body.decode("utf-8"))
        except ValueError:
            raise _HttpFailure("error", "not JSON: %s" % url) from None

    # -- per host -----------------------------------------------------------------------------------
    def _host(self, host):
        info = {"reachable": True, "webfinger_template": None, "software": None, "version": None, "open_registrations": None, "detail": None}
        base = self.base_url(host)
        try:
            body = self._get(base + "/.well-known/host-meta", "application/xrd+xml")
            for tag in _LINK_TAG.findall(body.decode("utf-8", "replace")):
                attributes = dict((k.lower(), v) for k, v in _ATTRIBUTE.findall(tag))
                if attributes.get("rel") == "lrdd" and "{uri}" in attributes.get("template", ""):
                    info["webfinger_template"] = attributes["template"]
        except _HttpFailure as exc:
            if exc.status == "unreachable":
                info.update(reachable=False, detail=exc.detail)
                return info
        try:
            info.update(self._nodeinfo(base))
        except _HttpFailure as exc:
            info["detail"] = "NodeInfo: %s" % exc.detail
        except Exception as exc:  # NodeInfo is informative only; odd documents must not stop verification
            info["detail"] = "NodeInfo: %s: %s" % (type(exc).__name__, exc)
        return info

    def _nodeinfo(self, base):
        index = self._get_json(base + "/.well-known/nodeinfo")
        best = None
        for link in index.get("links", []) if isinstance(index, dict) else []:
            match = _NODEINFO_SCHEMA.match(str(link.get("rel", ""))) if isinstance(link, dict) else None
            if match and (best is None or float(match.group(1)) > best[0]):
                best = (float(match.group(1)), link.get("href"))
        if not best or not best[1]:
            return {"detail": "no NodeInfo 2.x link"}
        document = self._get_json(best[1])
        software = document.get("software") if isinstance(document, dict) else None
        software = software if isinstance(software, dict) else {}
        return {
            "software": software.get("name"),
            "version": software.get("version"),
            "open_registrations": document.get("openRegistrations") if isinstance(document, dict) else None,
        }

    # -- per handle ---------------------------------------------------------------------------------
    def _webfinger(self, handle, host_info):
        resource = urllib.parse.quote("acct:%s" % handle, safe="")
        template = host_info.get("webfinger_template")
        if template:
            url = template.replace("{uri}", resource)
        else:
            url = "%s/.well-known/webfinger?resource=%s" % (self.base_url(handle.split("@", 1)[1]), resource)
        try:
            document = self._get_json(url, "application/jrd+json, application/json")
        except _HttpFailure as exc:
            return exc.status, exc.detail
        if not isinstance(document, dict) or not (document.get("subject") or document.get("links")):
            return "error", "WebFinger answer without subject or links: %s" % url
        profile = next((link.get("href") for link in document.get("links") or [] if isinstance(link, dict) and link.get("rel") == "self"), None)
        return "ok", document.get("subject") or profile

    def verify(self, accounts):
        """Set `status` and `detail` on each account; return the per-host information."""
        hosts = sorted(set(account.handle.split("@", 1)[1] for account in accounts))
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            self.hosts = dict(zip(hosts, pool.map(self._host, hosts)))

            def check(account):
                info = self.hosts[account.handle.split("@", 1)[1]]
                if not info["reachable"]:
                    return "unreachable", info["detail"]
                try:
                    return self._webfinger(account.handle, info)
                except Exception as exc:  # a surprise in one answer must not lose the other accounts
                    return "error", "%s: %s" % (type(exc).__name__, exc)

            for account, (status, detail) in zip(accounts, pool.map(check, accounts)):
                account.status, account.detail = status, detail
        return self.hosts
