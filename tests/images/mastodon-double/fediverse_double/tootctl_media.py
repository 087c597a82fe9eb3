"""bin/tootctl commands over remote media: ``accounts refresh``, ``media remove``, ``emoji purge``.

Remote media live under ``public/system/cache/`` (config/initializers/paperclip.rb, ``:prefix_path`` for
records that are not local), named by Paperclip's ``:class/:attachment/:id_partition/:style/:filename``.
A row names its file (``avatar_file_name``...): Mastodon serves that path and never downloads again while
the name is set (app/models/concerns/remotable.rb, ``MediaAttachment#needs_redownload?``), so a file that
is missing stays missing until one of these commands runs:

- ``accounts refresh`` (lib/mastodon/cli/accounts.rb): ``reset_avatar!``/``reset_header!`` download the
  URLs stored in the row again, under a new random file name (app/models/concerns/attachmentable.rb).
- ``media remove`` (lib/mastodon/cli/media.rb): forgets cached remote files (the row's file columns set to
  NULL); a media attachment is then downloaded again on demand through /media_proxy, a profile when the
  account is next fetched.
- ``emoji purge`` (lib/mastodon/cli/emoji.rb): deletes (remote) custom emoji rows and their files.

Downloads follow app/lib/request.rb: http(s) only, and no private, loopback or link-local address unless
ALLOWED_PRIVATE_ADDRESSES covers it (``Mastodon::PrivateNetworkAddressError``). Errors as Remotable has them
for avatars and headers (``suppress_errors: false``, app/models/concerns/account/avatar.rb): a refused address
or a file that is not an image clears the attachment and the account is saved without it; an HTTP error or a
failed connection is raised, so the account is not saved (its row stays as it was).
"""

import ipaddress
import os
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from fediverse_double.tootctl import Parser, fail

SYSTEM_DIR = Path(os.environ.get("PAPERCLIP_ROOT_PATH", "/opt/mastodon/public/system"))
DRY_RUN = " (DRY RUN)"
# Paperclip identifies the type from the bytes (`file --mime`); avatars, headers and emoji are images.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
)


class FetchError(Exception):
    """Raised out of download_<attachment>! (HTTP::ConnectionError, timeouts): the account is not saved."""


class UnexpectedResponse(FetchError):
    """Mastodon::UnexpectedResponseError: a non-2xx answer."""


class Rejected(Exception):
    """Swallowed by download_<attachment>! (host validation, not an image): the attachment is cleared."""


def human_size(size):
    """ActionView's number_to_human_size: 3 significant digits, binary units, "Bytes" below 1 KB."""
    if size < 1024:
        return f"{size} {'Byte' if size == 1 else 'Bytes'}"
    units = ("KB", "MB", "GB", "TB")
    value, index = float(size) / 1024, 0
    while value >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    return f"{float(f'{value:.3g}'):g} {units[index]}"


def id_partition(record_id):
    """Paperclip's :id_partition: the id padded to 9 digits, in groups of three (longer ids: more groups)."""
    text = f"{record_id:09d}"
    return "/".join(text[i : i + 3] for i in range(0, len(text) - len(text) % 3, 3))


def cache_path(table, attachment, record_id, file_name, style="original"):
    return SYSTEM_DIR / "cache" / table / attachment / id_partition(record_id) / style / file_name


def _allowed_private():
    raw = os.environ.get("ALLOWED_PRIVATE_ADDRESSES", "")
    return [ipaddress.ip_network(part, strict=False) for part in raw.replace(",", " ").split()]


def check_address(url):
    """Request::Socket.check_private_address: every address the host resolves to must be public or allowed."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Rejected(f"not an http(s) URL: {url}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as err:
        raise FetchError(f"HTTP::ConnectionError: failed to resolve {parts.hostname}: {err}") from err
    allowed = _allowed_private()
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global and not any(address in net for net in allowed):
            raise Rejected(f"Mastodon::PrivateNetworkAddressError: {parts.hostname}")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url):
    """GET the URL as Request does; return (bytes, content type, extension) of an image, else raise."""
    check_address(url)
    opener = urllib.request.build_opener(_CheckedRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "Mastodon test double (fediverse.deploy tests)"})
    try:
        with opener.open(request, timeout=10) as response:
            body = response.read()
    except urllib.error.HTTPError as err:
        raise UnexpectedResponse(f"Mastodon::UnexpectedResponseError: {url} returned code {err.code}") from err
    except (urllib.error.URLError, OSError) as err:
        raise FetchError(f"HTTP::ConnectionError: {url}: {getattr(err, 'reason', err)}") from err
    for magic, content_type, extension in MAGIC:
        if body.startswith(magic):
            return body, content_type, Path(urllib.parse.urlsplit(url).path).suffix or extension
    raise Rejected(f"Paperclip::Errors::NotIdentifiedByImageMagickError: {url} is not an image")


def _remove_files(table, attachment, record_id, file_name):
    """Paperclip's destroy: the files of every style go (missing ones are no error)."""
    if not file_name:
        return
    for style_dir in (SYSTEM_DIR / "cache" / table / attachment / id_partition(record_id)).glob("*"):
        (style_dir / file_name).unlink(missing_ok=True)


def _store(table, attachment, record_id, old_name, body, extension):
    """Write the new file under a random name (Attachmentable#obfuscate_file_name), then drop the old one."""
    name = secrets.token_hex(8) + extension
    path = cache_path(table, attachment, record_id, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{name}.partial")
    partial.write_bytes(body)
    partial.replace(path)
    if old_name and old_name != name:
        _remove_files(table, attachment, record_id, old_name)
    return name


def reset_attachment(cur, account_id, attachment):
    """Account#reset_avatar!/reset_header! then save: download the row's remote URL again, whatever is cached."""
    cur.execute(f"SELECT {attachment}_remote_url, {attachment}_file_name FROM accounts WHERE id = %s", (account_id,))
    url, old_name = cur.fetchone()
    if not url:
        return 0
    try:
        body, content_type, extension = download(url)
    except Rejected:
        _remove_files("accounts", f"{attachment}s", account_id, old_name)
        cur.execute(
            f"UPDATE accounts SET {attachment}_file_name = NULL, {attachment}_content_type = NULL,"
            f" {attachment}_file_size = NULL, {attachment}_updated_at = NULL, updated_at = now() WHERE id = %s",
            (account_id,),
        )
        return 0
    name = _store("accounts", f"{attachment}s", account_id, old_name, body, extension)
    cur.execute(
        f"UPDATE accounts SET {attachment}_file_name = %s, {attachment}_content_type = %s,"
        f" {attachment}_file_size = %s, {attachment}_updated_at = now(), updated_at = now() WHERE id = %s",
        (name, content_type, len(body), account_id),
    )
    return len(body)


def accounts_refresh(conn, argv):
    parser = Parser(prog="tootctl accounts refresh")
    parser.add_argument("usernames", nargs="*")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--domain")
    parser.add_argument("--concurrency", "-c", type=int, default=5)
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    opts = parser.parse_args(argv)
    suffix = DRY_RUN if opts.dry_run else ""
    with conn.cursor() as cur:
        if opts.all or opts.domain:
            cur.execute(
                "SELECT id FROM accounts WHERE domain IS NOT NULL" + (" AND domain = %s" if opts.domain else "") + " ORDER BY id",
                (opts.domain,) if opts.domain else (),
            )
            ids = [row[0] for row in cur.fetchall()]
            for account_id in ids:
                if opts.dry_run:
                    continue
                try:
                    with conn:  # one account, one save; a failure leaves its row as it was
                        reset_attachment(cur, account_id, "avatar")
                        reset_attachment(cur, account_id, "header")
                except FetchError as err:  # parallelize_with_progress logs and goes on
                    print(f"Error processing {account_id}: {err}", flush=True)
            print(f"Refreshed {len(ids)} accounts{suffix}")
            return 0
        if not opts.usernames:
            fail("No account(s) given")
        for acct in opts.usernames:
            username, _at, domain = acct.partition("@")
            cur.execute("SELECT id FROM accounts WHERE lower(username) = lower(%s) AND lower(domain) = lower(%s)", (username, domain))
            row = cur.fetchone()
            if row is None:
                fail("No such account")
            if opts.dry_run:
                continue
            try:
                with conn:
                    reset_attachment(cur, row[0], "avatar")
                    reset_attachment(cur, row[0], "header")
            except UnexpectedResponse:  # the only error this loop rescues; others end the command
                print(f"Account failed: {username}@{domain}", flush=True)
            except FetchError as err:
                fail(f"{err}")
    print(f"OK{suffix}")
    return 0


def _remove_profiles(conn, opts, suffix):
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT a.id, a.avatar_file_name, a.avatar_file_size, a.header_file_name, a.header_file_size,"
            " EXISTS (SELECT 1 FROM follows f WHERE f.account_id = a.id OR f.target_account_id = a.id)"
            " FROM accounts a WHERE a.domain IS NOT NULL"
            " AND a.last_webfingered_at <= now() - make_interval(days => %s)"
            " AND a.updated_at <= now() - make_interval(days => %s) ORDER BY a.id",
            (opts.days, opts.days),
        )
        rows = cur.fetchall()
        total = 0
        for account_id, avatar, avatar_size, header, header_size, follows in rows:
            if (follows and not opts.include_follows) or (not avatar and not header) or (opts.remove_headers and not header):
                continue
            total += (header_size or 0) + ((avatar_size or 0) if opts.prune_profiles else 0)
            if opts.dry_run:
                continue
            _remove_files("accounts", "headers", account_id, header)
            columns = ["header"]
            if opts.prune_profiles:
                _remove_files("accounts", "avatars", account_id, avatar)
                columns.append("avatar")
            cur.execute(
                "UPDATE accounts SET "
                + ", ".join(f"{c}_file_name = NULL, {c}_content_type = NULL, {c}_file_size = NULL, {c}_updated_at = NULL" for c in columns)
                + ", updated_at = now() WHERE id = %s",
                (account_id,),
            )
    print(f"Visited {len(rows)} accounts and removed profile media totaling {human_size(total)}{suffix}")


def _remove_attachments(conn, opts, suffix):
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT id, file_file_name, file_file_size, thumbnail_file_name, thumbnail_file_size"
            " FROM media_attachments WHERE remote_url <> '' AND file_file_name IS NOT NULL"
            " AND created_at <= now() - make_interval(days => %s) ORDER BY id",
            (opts.days,),
        )
        rows = cur.fetchall()
        total = 0
        for attachment_id, file_name, file_size, thumbnail, thumbnail_size in rows:
            total += (file_size or 0) + (thumbnail_size or 0)
            if opts.dry_run:
                continue
            _remove_files("media_attachments", "files", attachment_id, file_name)
            _remove_files("media_attachments", "thumbnails", attachment_id, thumbnail)
            cur.execute(
                "UPDATE media_attachments SET file_file_name = NULL, file_content_type = NULL,"
                " file_file_size = NULL, file_updated_at = NULL, thumbnail_file_name = NULL,"
                " thumbnail_content_type = NULL, thumbnail_file_size = NULL, thumbnail_updated_at = NULL,"
                " updated_at = now() WHERE id = %s",
                (attachment_id,),
            )
    print(f"Removed {len(rows)} media attachments (approx. {human_size(total)}){suffix}")


def media_remove(conn, argv):
    parser = Parser(prog="tootctl media remove")
    parser.add_argument("--days", "-d", type=int, default=7)
    parser.add_argument("--concurrency", "-c", type=int, default=5)
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    for flag in ("--prune-profiles", "--remove-headers", "--include-follows", "--keep-interacted"):
        parser.add_argument(flag, action="store_true")
    opts = parser.parse_args(argv)
    if opts.prune_profiles and opts.remove_headers:
        fail("--prune-profiles and --remove-headers should not be specified simultaneously")
    if opts.include_follows and not (opts.prune_profiles or opts.remove_headers):
        fail("--include-follows can only be used with --prune-profiles or --remove-headers")
    suffix = DRY_RUN if opts.dry_run else ""
    if opts.prune_profiles or opts.remove_headers:
        _remove_profiles(conn, opts, suffix)
    else:
        _remove_attachments(conn, opts, suffix)
    return 0


def emoji_purge(conn, argv):
    parser = Parser(prog="tootctl emoji purge")
    parser.add_argument("--remote-only", action="store_true")
    opts = parser.parse_args(argv)
    with conn, conn.cursor() as cur:
        cur.execute("DELETE FROM custom_emojis" + (" WHERE domain IS NOT NULL" if opts.remote_only else "") + " RETURNING id, domain, image_file_name")
        for emoji_id, domain, file_name in cur.fetchall():
            if domain is not None:
                _remove_files("custom_emojis", "images", emoji_id, file_name)
            elif file_name:  # local emoji live outside cache/
                for style_dir in (SYSTEM_DIR / "custom_emojis" / "images" / id_partition(emoji_id)).glob("*"):
                    (style_dir / file_name).unlink(missing_ok=True)
    print("OK")
    return 0


HANDLERS = {
    "accounts refresh": accounts_refresh,
    "media remove": media_remove,
    "emoji purge": emoji_purge,
}
