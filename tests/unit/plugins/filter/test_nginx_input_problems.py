# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fediverse.deploy.nginx_input_problems: the nginx role's rules on upstream hosts and the media domain."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.nginx_input_problems import FilterModule, is_host_port, nginx_input_problems

DEFAULTS = {
    "web_upstreams": [],
    "streaming_upstreams": [],
    "media_domain": "",
    "media_upstream": "",
    "server_name": "social.example.org",
    "local_domain": "example.org",
    "alternate_domains": ["social.example.net"],
}


def problems(**changes):
    return nginx_input_problems(dict(DEFAULTS, **changes))


def test_the_defaults_have_no_problem():
    assert problems() == []


def test_hosts_and_a_media_domain_pass():
    assert (
        problems(
            web_upstreams=["10.0.0.11:3000", "app2.internal:3000", "[fd00::11]:3000", "mastodon-web_2:3000"],
            streaming_upstreams=["10.0.0.11:4000", "10.0.0.12:4000"],
            media_domain="media.social.example.org",
            media_upstream="http://10.0.0.5:8080/mastodon-media",
        )
        == []
    )


@pytest.mark.parametrize(
    "entry",
    ["10.0.0.11:3000", "app1:3000", "app1.internal:65535", "[::1]:3000", "[fd00::11]:1", "mastodon_web:3000"],
)
def test_host_port_entries(entry):
    assert is_host_port(entry)


@pytest.mark.parametrize(
    "entry",
    [
        "10.0.0.11",  # no port
        "10.0.0.11:0",
        "10.0.0.11:65536",
        "10.0.0.11:http",
        "10.0.0.256:3000",
        "1.2.3:3000",
        "fd00::11:3000",  # IPv6 without brackets
        "[fd00::zz]:3000",
        "[10.0.0.1]:3000",
        "http://10.0.0.11:3000",
        "app 1:3000",
        "app1..internal:3000",
        "-app1:3000",
        ":3000",
        "",
        3000,
        None,
    ],
)
def test_malformed_entries_are_named_with_the_rule_and_an_example(entry):
    assert problems(web_upstreams=["10.0.0.12:3000", entry]) == [
        "nginx_web_upstreams: entries must be host:port, the host a DNS name, an IPv4 address or an IPv6 address in brackets, "
        "the port from 1 to 65535, such as 10.0.0.11:3000 or [fd00::11]:3000 (got %s)." % [entry]
    ]


def test_streaming_entries_are_checked_with_their_own_example():
    assert problems(streaming_upstreams=["10.0.0.11"]) == [
        "nginx_streaming_upstreams: entries must be host:port, the host a DNS name, an IPv4 address or an IPv6 address in brackets, "
        "the port from 1 to 65535, such as 10.0.0.11:4000 or [fd00::11]:4000 (got ['10.0.0.11'])."
    ]


def test_a_repeated_entry_is_named():
    assert problems(web_upstreams=["10.0.0.11:3000", "10.0.0.12:3000", "10.0.0.11:3000"]) == [
        "nginx_web_upstreams: must name each host:port once (got ['10.0.0.11:3000'] more than once); remove the repeats."
    ]


def test_a_string_instead_of_a_list_is_refused():
    assert problems(streaming_upstreams="10.0.0.11:4000") == [
        "nginx_streaming_upstreams: must be a list of host:port entries, such as [10.0.0.11:4000 or [fd00::11]:4000] (got '10.0.0.11:4000')."
    ]


WEB, STREAMING = ["mastodon-web:3000", "10.0.0.4:3000"], ["mastodon-streaming:4000", "10.0.0.4:4000"]


def test_hosts_of_the_upstreams_may_be_drained_but_not_all_of_a_list():
    assert problems(web_upstreams=WEB, streaming_upstreams=STREAMING, upstreams_drained=["10.0.0.4:3000", "10.0.0.4:4000"]) == []
    found = problems(web_upstreams=WEB, streaming_upstreams=STREAMING, upstreams_drained=WEB)
    assert len(found) == 1 and "every host of nginx_web_upstreams" in found[0]


def test_a_drained_entry_must_be_an_upstream():
    found = problems(web_upstreams=WEB, upstreams_drained=["10.0.0.9:3000"])
    assert len(found) == 1 and "names no entry" in found[0] and "10.0.0.9:3000" in found[0]


def test_a_media_domain_needs_the_bucket():
    assert problems(media_domain="media.social.example.org") == [
        "nginx_media_domain: needs nginx_media_upstream, the URL of the bucket holding Mastodon's media, such as "
        "http://10.0.0.5:8080/mastodon-media (set both, or neither)."
    ]


def test_a_bucket_needs_the_media_domain():
    assert problems(media_upstream="http://10.0.0.5:8080/mastodon-media") == [
        "nginx_media_upstream: needs nginx_media_domain, the name media URLs carry (Mastodon's S3_ALIAS_HOST), such as "
        "media.social.example.org (set both, or neither)."
    ]


@pytest.mark.parametrize("name", ["social.example.org", "example.org", "social.example.net"])
def test_the_media_domain_is_a_name_of_its_own(name):
    assert problems(media_domain=name, media_upstream="http://10.0.0.5:8080/mastodon-media") == [
        "nginx_media_domain: must be a name of its own, not nginx_server_name, nginx_local_domain or one of nginx_alternate_domains, "
        "which nginx serves as Mastodon (got '%s'); use another name such as media.social.example.org." % name
    ]


@pytest.mark.parametrize("name", ["Media.Example.org", "media", "10.0.0.5", "media_example.org"])
def test_the_media_domain_is_a_dns_name(name):
    assert problems(media_domain=name, media_upstream="http://10.0.0.5:8080/mastodon-media") == [
        "nginx_media_domain: must be a DNS name in lower case, such as media.social.example.org (got '%s')." % name
    ]


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5:8080/mastodon-media",
        "http://10.0.0.5:8080/mastodon-media/",
        "https://mastodon-media.s3.eu-central-1.amazonaws.com",
        "http://[fd00::5]:8080/mastodon-media",
        "http://minio:9000/media",
    ],
)
def test_bucket_urls(url):
    assert problems(media_domain="media.social.example.org", media_upstream=url) == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("10.0.0.5:8080/mastodon-media", "must start with http:// or https://"),
        ("s3://mastodon-media", "must start with http:// or https://"),
        ("ftp://10.0.0.5/mastodon-media", "must start with http:// or https://"),
        ("http:///mastodon-media", "must name the storage server's host"),
        ("http://key:secret@10.0.0.5:8080/mastodon-media", "must not carry credentials (the bucket must allow anonymous reads of its objects)"),
        ("http://10.0.0.5:8080/mastodon-media?list-type=2", "must have no query or fragment"),
        ("http://10.0.0.5:8080/mastodon-media#x", "must have no query or fragment"),
        ("http://10.0.0.5:99999/mastodon-media", "must be a URL with a port from 1 to 65535, if any"),
        ("http://10.0.0.5:0/mastodon-media", "must have a port from 1 to 65535, if any"),
        ("http://10.0.0.5:8080/mastodon media", "must be a URL without spaces"),
        (" http://10.0.0.5:8080/mastodon-media", "must be a URL without spaces"),
        ("http://bad host/x", "must be a URL without spaces"),
        ("http://10.0.0.256:8080/mastodon-media", "must name the storage server by a DNS name, an IPv4 address or an IPv6 address in brackets"),
    ],
)
def test_a_bucket_url_that_is_no_http_url_is_refused_with_the_reason(url, reason):
    assert problems(media_domain="media.social.example.org", media_upstream=url) == [
        "nginx_media_upstream: %s: the bucket's URL, such as http://10.0.0.5:8080/mastodon-media (got '%s')." % (reason, url)
    ]


def test_every_problem_is_reported_at_once():
    found = problems(web_upstreams=["app1"], streaming_upstreams=["app1"], media_domain="social.example.org", media_upstream="s3://x")
    assert [problem.split(":")[0] for problem in found] == ["nginx_web_upstreams", "nginx_streaming_upstreams", "nginx_media_domain", "nginx_media_upstream"]


def test_input_must_be_a_dictionary():
    with pytest.raises(AnsibleFilterError):
        nginx_input_problems(["10.0.0.11:3000"])


def test_filter_is_registered():
    assert FilterModule().filters()["nginx_input_problems"] is nginx_input_problems
