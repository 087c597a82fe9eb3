# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight role's rules, every branch, from readings written the way ss, docker ps and the facts give them."""

from __future__ import annotations

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils import preflight_checks as checks

NGINX_V4 = 'LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=812,fd=6),("nginx",pid=813,fd=6))'
NGINX_V6 = 'LISTEN 0      511             [::]:80           [::]:*    users:(("nginx",pid=812,fd=7))'
PROXY_V4 = 'LISTEN 0      4096         0.0.0.0:443       0.0.0.0:*    users:(("docker-proxy",pid=2211,fd=4))'
PROXY_V6 = 'LISTEN 0      4096            [::]:443          [::]:*    users:(("docker-proxy",pid=2218,fd=4))'
OLD_SS_V6 = 'LISTEN     0      128         :::8080                    :::*                   users:(("java",pid=9,fd=3))'
WILDCARD = 'LISTEN 0      128                *:3000            *:*    users:(("node",pid=77,fd=20))'
SCOPED = 'LISTEN 0      4096     127.0.0.53%lo:53          0.0.0.0:*    users:(("systemd-resolve",pid=5,fd=14))'
MAPPED = 'LISTEN 0      128 [::ffff:127.0.0.1]:8443            *:*    users:(("java",pid=9,fd=4))'
NO_ROOT = "LISTEN 0      511          0.0.0.0:80        0.0.0.0:*"

OURS = "mastodon-nginx 0.0.0.0:80->80/tcp, [::]:80->80/tcp, 0.0.0.0:443->443/tcp, [::]:443->443/tcp"
FOREIGN = "caddy 0.0.0.0:443->443/tcp, :::443->443/tcp, 0.0.0.0:443->443/udp"


# --- reading ss ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, port, address",
    [
        (NGINX_V4, 80, "0.0.0.0"),
        (NGINX_V6, 80, "[::]"),
        (OLD_SS_V6, 8080, "::"),
        (WILDCARD, 3000, "*"),
        (SCOPED, 53, "127.0.0.53%lo"),
        (MAPPED, 8443, "[::ffff:127.0.0.1]"),
    ],
)
def test_every_address_form_of_ss_gives_its_port(line, port, address):
    [listener] = checks.parse_listeners([line])
    assert (listener["port"], listener["address"]) == (port, address)


def test_the_processes_and_their_column_are_read():
    [listener] = checks.parse_listeners([NGINX_V4])
    assert listener["processes"] == ["nginx", "nginx"]
    assert listener["detail"] == 'users:(("nginx",pid=812,fd=6),("nginx",pid=813,fd=6))'


def test_without_root_the_line_itself_is_the_detail():
    [listener] = checks.parse_listeners([NO_ROOT])
    assert listener["processes"] == [] and listener["detail"] == "LISTEN 0 511 0.0.0.0:80 0.0.0.0:*"


@pytest.mark.parametrize("line", ["", "State Recv-Q Send-Q Local", "LISTEN 0 128 0.0.0.0:http 0.0.0.0:*"])
def test_lines_without_a_numeric_local_port_are_skipped(line):
    assert checks.parse_listeners([line]) == []


# --- reading docker ps ----------------------------------------------------------------------------------------


def test_published_tcp_ports_of_both_families_are_read_and_udp_left_out():
    assert checks.parse_containers([OURS, FOREIGN]) == [
        {"name": "mastodon-nginx", "tcp": [(80, 80), (80, 80), (443, 443), (443, 443)]},
        {"name": "caddy", "tcp": [(443, 443), (443, 443)]},
    ]


def test_a_published_range_covers_every_port_in_it():
    [container] = checks.parse_containers(["web 0.0.0.0:8000-8100->8000-8100/tcp"])
    assert checks.publishes(container, 8080) and not checks.publishes(container, 8101)


def test_exposed_but_unpublished_ports_and_portless_containers_publish_nothing():
    assert checks.parse_containers(["mastodon-redis 6379/tcp", "mastodon-web", ""]) == [
        {"name": "mastodon-redis", "tcp": []},
        {"name": "mastodon-web", "tcp": []},
    ]


# --- ports ----------------------------------------------------------------------------------------------------


def ports(listeners, containers, wanted=(80, 443)):
    return checks.port_problems(list(wanted), checks.parse_listeners(listeners), checks.parse_containers(containers), "mastodon-nginx")


def test_free_ports_are_no_problem():
    assert ports([WILDCARD, SCOPED], []) == []


def test_a_port_held_by_another_process_is_named_with_its_process():
    assert ports([NGINX_V4], []) == ['port 80 is already in use: users:(("nginx",pid=812,fd=6),("nginx",pid=813,fd=6)); stop that service or move it']


def test_an_ipv6_only_listener_counts_too():
    assert ports([NGINX_V6], []) == ['port 80 is already in use: users:(("nginx",pid=812,fd=7)); stop that service or move it']


def test_docker_proxy_of_our_own_container_is_a_rerun_not_a_problem():
    assert ports([PROXY_V4, PROXY_V6], [OURS]) == []


def test_a_foreign_container_is_named_instead_of_its_docker_proxy():
    assert ports([PROXY_V4, PROXY_V6], [FOREIGN]) == ["port 443 is published by container caddy; remove it or move it"]


def test_a_foreign_container_without_a_listener_is_found_too():
    # Docker without its userland proxy publishes through the firewall only: no listener to see.
    assert ports([], [FOREIGN]) == ["port 443 is published by container caddy; remove it or move it"]


def test_a_docker_proxy_no_container_explains_is_in_use():
    # Left over by a crashed engine, or docker ps could not answer: nothing shows it is ours.
    assert ports([PROXY_V4], []) == ['port 443 is already in use: users:(("docker-proxy",pid=2211,fd=4)); stop that service or move it']


def test_another_process_on_a_port_our_container_publishes_elsewhere_is_still_a_problem():
    assert ports([NGINX_V4], ["mastodon-nginx 0.0.0.0:443->443/tcp"]) == [
        'port 80 is already in use: users:(("nginx",pid=812,fd=6),("nginx",pid=813,fd=6)); stop that service or move it'
    ]


def test_a_listener_whose_process_ss_cannot_see_is_reported_with_its_line():
    assert ports([NO_ROOT], [OURS]) == ["port 80 is already in use: LISTEN 0 511 0.0.0.0:80 0.0.0.0:*; stop that service or move it"]


def test_only_the_wanted_ports_are_judged():
    assert ports([NGINX_V4, PROXY_V4], [FOREIGN], wanted=[8080]) == []


def test_ss_failing_is_a_problem_with_its_message():
    assert checks.listing_problem(0, "") is None
    assert checks.listing_problem(1, "Cannot open netlink socket:\n Protocol not supported\n") == (
        "cannot list listening ports (`ss` failed: Cannot open netlink socket: Protocol not supported); install iproute2"
    )


# --- system, memory, disk ----------------------------------------------------------------------------------


HOST = {
    "distribution": "Debian",
    "distribution_version": "12.8",
    "distribution_major_version": "12",
    "architecture": "x86_64",
    "memtotal_mb": 3912,
    "addresses": ["203.0.113.10", "2001:db8::10"],
}
SUPPORTED = {"Debian": ["12", "13"], "Ubuntu": ["22.04", "24.04"]}


def system(host=None, supported=None, architectures=("x86_64", "aarch64"), memory=2048):
    return checks.system_problems(dict(HOST, **(host or {})), supported or SUPPORTED, list(architectures), memory)


def test_a_fitting_host_has_no_system_problem():
    assert system() == []


def test_ubuntu_is_matched_by_its_full_release():
    assert system({"distribution": "Ubuntu", "distribution_version": "24.04", "distribution_major_version": "24"}) == []


def test_versions_written_as_numbers_match_too():
    assert system(supported={"Debian": [12]}) == []


def test_an_unsupported_release_names_the_supported_ones():
    assert system({"distribution_version": "11.9", "distribution_major_version": "11"}) == [
        "unsupported system Debian 11.9; supported: Debian 12 or 13, Ubuntu 22.04 or 24.04 (preflight_supported_distributions)"
    ]


def test_an_unknown_distribution_is_unsupported():
    assert system({"distribution": "Fedora", "distribution_version": "41", "distribution_major_version": "41"})[0].startswith(
        "unsupported system Fedora 41; supported: "
    )


def test_an_unsupported_architecture_names_the_images_there_are():
    assert system(architectures=["s390x"]) == ["unsupported architecture x86_64; Mastodon images exist for s390x"]


def test_too_little_memory_names_the_setting():
    assert system(memory=4096) == ["only 3912 MB of memory; the stack needs at least 4096 MB (preflight_min_memory_mb)"]
    assert system(memory=3912) == []


def test_disk_below_the_threshold_names_the_path_and_the_setting():
    assert checks.disk_problem(10, 10, "/var/lib") is None
    assert checks.disk_problem(9, 10, "/var/lib") == ("only 9 GB free under /var/lib; the stack needs at least 10 GB (preflight_min_disk_free_gb)")


# --- names -------------------------------------------------------------------------------------------------


def test_a_name_that_resolves_to_this_host_in_either_family_is_fine():
    assert checks.dns_problems({"a.example": ["203.0.113.10"], "b.example": ["2001:DB8:0::10", "198.51.100.1"]}, HOST["addresses"]) == []


def test_a_name_that_does_not_resolve_asks_for_its_record():
    assert checks.dns_problems({"social.example": None}, HOST["addresses"]) == [
        "social.example does not resolve; create its DNS record (A/AAAA) pointing at this host before asking for certificates"
    ]


def test_a_name_that_resolves_elsewhere_names_both_and_the_nat_switch():
    assert checks.dns_problems({"social.example": ["198.51.100.7"]}, HOST["addresses"]) == [
        "social.example resolves to 198.51.100.7, not to this host (203.0.113.10, 2001:db8::10); fix its DNS record,"
        " or set preflight_check_dns: false if this host is behind NAT"
    ]


def test_a_mail_domain_must_resolve():
    assert checks.mail_problems({"example.org": ["93.184.215.14"]}) == []
    [problem] = checks.mail_problems({"mail.invalid": None})
    assert problem.startswith("the e-mail domain mail.invalid does not resolve on this host: Mastodon refuses an account")
    assert problem.endswith("set preflight_check_mail_domains: false if mail.invalid has MX records only")


# --- the whole plan ---------------------------------------------------------------------------------------


SETTINGS = {
    "min_memory_mb": 2048,
    "min_disk_free_gb": 10,
    "data_path": "/var/lib",
    "supported_distributions": SUPPORTED,
    "supported_architectures": ["x86_64", "aarch64"],
    "ports": [80, 443],
    "proxy_container_name": "mastodon-nginx",
}


def readings(**changes):
    base = {"free_gb": 40, "ss_rc": 0, "ss_output": "", "containers": "", "dns": {}, "mail": {}}
    return dict(base, **changes)


def test_a_fitting_host_has_no_problem_at_all():
    assert (
        checks.plan(
            SETTINGS,
            HOST,
            readings(
                ss_output="\n".join([PROXY_V4, PROXY_V6, SCOPED]) + "\n",
                containers=OURS + "\n",
                dns={"s.example": ["203.0.113.10"]},
                mail={"example.org": ["93.184.215.14"]},
            ),
        )
        == []
    )


def test_every_problem_is_listed_once_in_the_order_to_fix_them():
    problems = checks.plan(
        dict(SETTINGS, min_memory_mb=8192),
        HOST,
        readings(free_gb=3, ss_output=NGINX_V6 + "\n" + NGINX_V6 + "\n", containers=FOREIGN, dns={"s.example": None}, mail={"m.invalid": None}),
    )
    assert [p.split(" ")[0] for p in problems] == ["only", "only", "port", "port", "s.example", "the"]
    assert problems[2].startswith("port 80 is already in use") and problems[3].startswith("port 443 is published")


def test_when_ss_fails_the_ports_are_not_judged_but_everything_else_is():
    problems = checks.plan(SETTINGS, HOST, readings(ss_rc=127, ss_output="ss is not installed", containers=FOREIGN, mail={"m.invalid": None}))
    assert problems[0] == "cannot list listening ports (`ss` failed: ss is not installed); install iproute2"
    assert len(problems) == 2 and problems[1].startswith("the e-mail domain m.invalid")
