"""What the double's web process answers itself, from the real Postgres: instance metadata, WebFinger,
NodeInfo. Everything else under /api goes to mastodon-mock (see web.py)."""

import os

from fediverse_double import boot


def domains():
    local = os.environ.get("LOCAL_DOMAIN") or f"localhost:{os.environ.get('PORT', '3000')}"
    web = os.environ.get("WEB_DOMAIN") or local
    alternates = [d.strip() for d in os.environ.get("ALTERNATE_DOMAINS", "").split(",") if d.strip()]
    return local, web, alternates


def allowed_hosts():
    """config.hosts in production (config/initializers/1_hosts.rb)."""
    local, web, alternates = domains()
    return {h.split(":")[0].lower() for h in [local, web, *alternates]}


def _query(sql, params=()):
    conn = boot.connect_db()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def registrations_mode():
    if os.environ.get("SINGLE_USER_MODE") == "true":
        return "none"
    rows = _query("SELECT value FROM settings WHERE var = 'registrations_mode'")
    return rows[0][0].replace("---", "").strip() if rows else "none"  # config/settings.yml default


def user_count():
    return _query("SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id WHERE a.suspended_at IS NULL")[0][0]


def account_json(account_id, username):
    web = domains()[1]
    return {
        "id": str(account_id),
        "username": username,
        "acct": username,
        "display_name": username,
        "url": f"https://{web}/@{username}",
        "uri": f"https://{web}/users/{username}",
    }


def instance_v2():
    local, web = domains()[:2]
    mode = registrations_mode()
    owner = _query(
        "SELECT a.id, a.username, u.email FROM users u JOIN accounts a ON a.id = u.account_id"
        " JOIN user_roles r ON r.id = u.role_id WHERE r.name = 'Owner' ORDER BY u.id LIMIT 1"
    )
    return {
        "domain": local,
        "title": "Mastodon",
        "version": boot.RELEASE,
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "",
        "usage": {"users": {"active_month": user_count()}},
        "thumbnail": {"url": f"https://{web}/packs/media/images/preview.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": os.environ.get("STREAMING_API_BASE_URL", f"wss://{web}"), "status": None},
            "vapid": {"public_key": os.environ.get("VAPID_PUBLIC_KEY") or None},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
            "media_attachments": {"image_size_limit": 16777216, "video_size_limit": 103809024},
            "polls": {"max_options": 4, "max_characters_per_option": 50},
            "translation": {"enabled": False},
            "timelines_access": {},
            "limited_federation": os.environ.get("LIMITED_FEDERATION_MODE") == "true",
        },
        "registrations": {
            "enabled": mode != "none",
            "approval_required": mode == "approved",
            "reason_required": False,
            "message": None,
            "min_age": None,
            "url": None,
        },
        "api_versions": {"mastodon": boot.API_VERSION},
        "contact": {"email": owner[0][2] if owner else "", "account": account_json(owner[0][0], owner[0][1]) if owner else None},
        "rules": [],
    }


def webfinger(resource):
    """JRD for acct:user@LOCAL_DOMAIN (or WEB_DOMAIN), or None when no such local account."""
    local, web = domains()[:2]
    if not resource:
        return 400, {"error": "Missing resource parameter"}
    name = resource[len("acct:") :] if resource.startswith("acct:") else resource
    username, _at, domain = name.partition("@")
    if domain and domain.lower() not in {local.lower(), web.lower()}:
        return 404, None
    rows = _query("SELECT username FROM accounts WHERE lower(username) = lower(%s) AND domain IS NULL AND suspended_at IS NULL", (username,))
    if not rows:
        return 404, None
    username = rows[0][0]
    return 200, {
        "subject": f"acct:{username}@{local}",
        "aliases": [f"https://{web}/@{username}", f"https://{web}/users/{username}"],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": f"https://{web}/@{username}"},
            {"rel": "self", "type": "application/activity+json", "href": f"https://{web}/users/{username}"},
        ],
    }


def nodeinfo_links():
    web = domains()[1]
    return {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": f"https://{web}/nodeinfo/2.0"}]}


def nodeinfo():
    users = user_count()
    return {
        "version": "2.0",
        "software": {"name": "mastodon", "version": boot.RELEASE},
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {"users": {"total": users, "activeMonth": users, "activeHalfyear": users}, "localPosts": 0},
        "openRegistrations": registrations_mode() != "none",
        "metadata": {"nodeName": "Mastodon", "nodeDescription": ""},
    }
