# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: nginx_input_problems
short_description: What is wrong with the fediverse.deploy.nginx role's upstream hosts and media domain
version_added: 0.1.0
description:
  - Takes a dictionary of the role's settings and returns one sentence per problem, each naming the variable, the
    rule and the fix; an empty list when everything is usable. The role refuses to run before any change otherwise.
  - "Rules for C(nginx_web_upstreams) and C(nginx_streaming_upstreams): every entry is C(host:port), the host a DNS
    name, an IPv4 address or an IPv6 address in brackets, the port from 1 to 65535, each entry once."
  - "Rules for C(nginx_upstreams_drained): every entry is one of C(nginx_web_upstreams) or C(nginx_streaming_upstreams),
    and neither list is drained whole (nginx would then have nowhere to send requests)."
  - "Rules for the media domain: C(nginx_media_domain) and C(nginx_media_upstream) are set together or not at all;
    the domain is a DNS name of its own (not the server name, the local domain or an alternate domain, which other
    server blocks answer for); the upstream is the bucket's C(http://) or C(https://) URL, with a host, an optional
    port and path, and no user, query or fragment."
options:
  _input:
    description: The settings.
    type: dict
    required: true
    suboptions:
      web_upstreams:
        description: C(nginx_web_upstreams).
        type: list
      streaming_upstreams:
        description: C(nginx_streaming_upstreams).
        type: list
      upstreams_drained:
        description: C(nginx_upstreams_drained).
        type: list
      media_domain:
        description: C(nginx_media_domain).
        type: str
      media_upstream:
        description: C(nginx_media_upstream).
        type: str
      server_name:
        description: C(nginx_server_name).
        type: str
      local_domain:
        description: C(nginx_local_domain).
        type: str
      alternate_domains:
        description: C(nginx_alternate_domains).
        type: list
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Refuse bad upstream hosts and media settings before any change
  ansible.builtin.fail:
    msg: "fediverse.deploy.nginx: {{ item }}"
  loop: >-
    {{ {'web_upstreams': nginx_web_upstreams, 'streaming_upstreams': nginx_streaming_upstreams,
        'upstreams_drained': nginx_upstreams_drained,
        'media_domain': nginx_media_domain, 'media_upstream': nginx_media_upstream,
        'server_name': nginx_server_name, 'local_domain': nginx_local_domain,
        'alternate_domains': nginx_alternate_domains} | fediverse.deploy.nginx_input_problems }}
"""

RETURN = r"""
_value:
  description: The problems, one sentence each; empty when the settings are fine.
  type: list
  elements: string
"""

import ipaddress
import re
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import DOMAIN_PATTERN

# A host name as nginx and Docker's DNS take it: letters, digits, dots, dashes and underscores (container names).
HOST_NAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9._-]{0,251}[A-Za-z0-9_])?\Z")
PORT = re.compile(r"^[0-9]{1,5}\Z")
EXAMPLES_BY_LIST = {
    "nginx_web_upstreams": "10.0.0.11:3000 or [fd00::11]:3000",
    "nginx_streaming_upstreams": "10.0.0.11:4000 or [fd00::11]:4000",
}


def _is_port(text):
    return bool(PORT.match(text)) and 1 <= int(text) <= 65535


def _is_host(host):
    """A DNS or container name, an IPv4 address, or an IPv6 address in brackets."""
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    if re.match(r"^[0-9.]+\Z", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
        return True
    return bool(HOST_NAME.match(host)) and ".." not in host


def is_host_port(entry):
    """Whether ``entry`` is host:port as nginx's ``server`` directive takes it."""
    if not isinstance(entry, str):
        return False
    host, sep, port = entry.rpartition(":")
    return bool(sep) and _is_host(host) and _is_port(port)


def _upstream_problems(variable, entries):
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        return ["%s: must be a list of host:port entries, such as [%s] (got %r)." % (variable, EXAMPLES_BY_LIST[variable], entries)]
    problems = []
    bad = [entry for entry in entries if not is_host_port(entry)]
    if bad:
        problems.append(
            "%s: entries must be host:port, the host a DNS name, an IPv4 address or an IPv6 address in brackets, the port from 1 to 65535, "
            "such as %s (got %s)." % (variable, EXAMPLES_BY_LIST[variable], bad)
        )
    repeated = sorted({entry for entry in entries if isinstance(entry, str) and entries.count(entry) > 1})
    if repeated:
        problems.append("%s: must name each host:port once (got %s more than once); remove the repeats." % (variable, repeated))
    return problems


def _drained_problems(settings):
    drained = settings.get("upstreams_drained") or []
    if not isinstance(drained, list):
        return ["nginx_upstreams_drained: must be a list of entries of nginx_web_upstreams or nginx_streaming_upstreams (got %r)." % (drained,)]
    lists = {
        "nginx_web_upstreams": list(settings.get("web_upstreams") or []),
        "nginx_streaming_upstreams": list(settings.get("streaming_upstreams") or []),
    }
    problems = []
    unknown = [entry for entry in drained if not any(entry in entries for entries in lists.values())]
    if unknown:
        problems.append("nginx_upstreams_drained: names no entry of nginx_web_upstreams or nginx_streaming_upstreams: %s; remove it." % unknown)
    for name, entries in lists.items():
        if entries and set(entries) <= set(drained):
            problems.append("nginx_upstreams_drained: would take every host of %s out (%s): leave one serving." % (name, ", ".join(entries)))
    return problems


def media_upstream_problem(url):
    """Why ``url`` cannot be the bucket's URL nginx proxies media to, or "" when it can."""
    if not isinstance(url, str) or url != url.strip() or any(char.isspace() for char in url):
        return "must be a URL without spaces"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "must be a URL with a port from 1 to 65535, if any"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "must name the storage server's host"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials (the bucket must allow anonymous reads of its objects)"
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return "must have no query or fragment"
    if port is not None and not 1 <= port <= 65535:
        return "must have a port from 1 to 65535, if any"
    host = parts.netloc.rpartition("@")[2]
    host = host[: host.rindex("]") + 1] if host.startswith("[") else host.partition(":")[0]
    if not _is_host(host):
        return "must name the storage server by a DNS name, an IPv4 address or an IPv6 address in brackets"
    return ""


def _media_problems(settings):
    domain = settings.get("media_domain") or ""
    upstream = settings.get("media_upstream") or ""
    example = "http://10.0.0.5:8080/mastodon-media"
    if domain and not upstream:
        return ["nginx_media_domain: needs nginx_media_upstream, the URL of the bucket holding Mastodon's media, such as %s (set both, or neither)." % example]
    if upstream and not domain:
        return [
            "nginx_media_upstream: needs nginx_media_domain, the name media URLs carry (Mastodon's S3_ALIAS_HOST), such as "
            "media.social.example.org (set both, or neither)."
        ]
    if not domain:
        return []
    problems = []
    if not re.match(DOMAIN_PATTERN, str(domain)):
        problems.append("nginx_media_domain: must be a DNS name in lower case, such as media.social.example.org (got '%s')." % domain)
    others = [settings.get("server_name") or "", settings.get("local_domain") or ""] + list(settings.get("alternate_domains") or [])
    if domain in others:
        problems.append(
            "nginx_media_domain: must be a name of its own, not nginx_server_name, nginx_local_domain or one of "
            "nginx_alternate_domains, which nginx serves as Mastodon (got '%s'); use another name such as media.%s."
            % (domain, settings.get("server_name") or "social.example.org")
        )
    reason = media_upstream_problem(upstream)
    if reason:
        problems.append("nginx_media_upstream: %s: the bucket's URL, such as %s (got '%s')." % (reason, example, upstream))
    return problems


def nginx_input_problems(settings):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("nginx_input_problems expects a dictionary of settings, got %s" % type(settings).__name__)
    return (
        _upstream_problems("nginx_web_upstreams", settings.get("web_upstreams"))
        + _upstream_problems("nginx_streaming_upstreams", settings.get("streaming_upstreams"))
        + _drained_problems(settings)
        + _media_problems(settings)
    )


class FilterModule:
    """fediverse.deploy.nginx_input_problems."""

    def filters(self):
        return {"nginx_input_problems": nginx_input_problems}
