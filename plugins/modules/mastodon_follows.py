#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mastodon_follows
short_description: Follow Mastodon accounts and keep Mastodon lists, with the instance's rate limits as the budget
version_added: 0.1.0
author:
  - fediverse.deploy contributors (!UNKNOWN)
description:
  - Makes a Mastodon user follow the accounts in O(accounts) and keeps the lists in O(lists) with the
    given members, through the Mastodon REST API. It runs wherever the API is reachable, on the
    controller or on a target, with any user token.
  - Before the first request the options are checked (O(api_url), O(api_token), bounds, lists), and the
    module then asks C(GET /api/v2/instance) (or C(/api/v1/instance)), without the token, whether O(api_url)
    answers like Mastodon. Bad input fails there, with a message naming the option, before any change.
  - Handles are resolved with C(GET /api/v1/accounts/lookup) when the instance already knows the
    account, else with C(GET /api/v2/search?resolve=true). Each handle that cannot be resolved or
    followed is reported in RV(unresolved) with its reason; it does not fail the run unless O(strict=true).
    A malformed handle is dropped with a warning (or fails the run before any request with O(strict=true)).
  - The current following set is read in full pages of 80, relationships are checked in batches of 80,
    and list members are added in batches of 80. Accounts already followed, or with a follow request
    waiting, are never followed again, and list members are never added twice. With N accounts of which
    K are new, a run costs about C(2 + N/80) requests plus about two per new account (lookup and follow);
    RV(requests) reports the exact count.
  - Rate limits are read from C(X-RateLimit-*) headers. When a window is exhausted the module waits for its
    reset if that is no longer than O(max_wait); HTTP 429 and 5xx answers are retried O(retries) times.
  - A write that Mastodon does not make idempotent (creating a list, following, adding list members) is never
    simply sent again after a 5xx or a lost connection, since it may have happened; the module reads back
    whether it did (the lists, the relationship, the list's members) and sends again only what is missing.
    A fault that a read-back resolves does not fail the run, and nothing is written twice.
    When Mastodon's daily follow limit (400 follows a day) is reached, the module stops following, finishes
    what does not need a new follow, and reports RV(remaining) with RV(complete=false). A later run
    continues where it stopped; nothing is followed twice.
  - A connection failure that outlasts the retries stops the run with an error that still reports what was
    done and what remains, so a re-run loses nothing.
extends_documentation_fragment:
  - fediverse.deploy.mastodon_api
attributes:
  check_mode:
    description: Can run in check mode and predict the changes without modifying anything.
    support: full
    details: Check mode only sends reads (GET) and reports what would change.
  diff_mode:
    description: Returns details on what would change (or has changed) when run with C(--diff).
    support: full
    details: The diff shows the followed handles and the members of the managed lists, before and after.
options:
  accounts:
    description:
      - Accounts to follow (O(state=present)) or to unfollow (O(state=absent)).
      - Each item is a handle, V(@user@host), V(user@host) or a profile URL V(https://host/@user), or a dictionary
        with the key C(account) and the optional follow options C(reblogs), C(notify) and C(languages).
      - Follow options that are not given are left as they are; for new follows Mastodon's defaults apply.
    type: list
    elements: raw
    default: []
  lists:
    description:
      - Mastodon lists to keep, matched by title. Members must be followed, so every member is also followed.
      - Mastodon allows 50 lists per account. More than 50 here, or more than 50 with the lists the user already has,
        is refused before any change.
      - With O(state=absent) the lists named here are deleted (their members stay followed).
    type: list
    elements: dict
    default: []
    suboptions:
      title:
        description: Title of the list (at most 256 characters). Mastodon allows 50 lists per account.
        type: str
        required: true
      members:
        description: Handles of the list's members, V(@user@host), V(user@host) or V(https://host/@user).
        type: list
        elements: str
        default: []
      replies_policy:
        description:
          - Which replies the list's timeline shows. Mastodon's default for a new list is V(list).
          - Left as it is when not given.
        type: str
        choices: [followed, list, none]
      exclusive:
        description:
          - Mastodon's own C(exclusive) flag of the list, which hides the members' posts from the home timeline.
          - This is not about pruning members; see O(lists[].members_exclusive). Left as it is when not given.
        type: bool
      members_exclusive:
        description: Remove members of the list that are not in O(lists[].members).
        type: bool
        default: false
  state:
    description:
      - V(present) follows the accounts and keeps the lists; V(absent) unfollows the accounts (or withdraws the
        follow requests) and deletes the lists.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - Unfollow every followed account that is neither in O(accounts) nor a member of one of O(lists).
      - Pending follow requests outside the list are not withdrawn, because the API does not list them.
      - Only with O(state=present).
    type: bool
    default: false
  lists_exclusive:
    description:
      - Delete every list of the user whose title is not in O(lists). Only with O(state=present).
    type: bool
    default: false
  strict:
    description:
      - Fail, before any change, when a handle is malformed or cannot be resolved or followed.
      - By default such handles are reported in RV(unresolved) and the run goes on with the others.
    type: bool
    default: false
notes:
  - Mastodon allows 300 API requests per 5 minutes per token and 400 new follows per day (reset at 00:00 UTC);
    a large follow list therefore takes several runs or days. Re-run the same task until RV(complete) is true.
  - Handles of local accounts are matched with the host part of the user's profile URL. When C(WEB_DOMAIN)
    differs from C(LOCAL_DOMAIN), local accounts are found by lookup instead, at one extra request each.
  - Requests go to O(api_url) directly. To reach Mastodon's puma without nginx, a proxy must add the C(Host)
    and C(X-Forwarded-Proto=https) headers Mastodon expects.
seealso:
  - name: Mastodon API, accounts
    description: Follow, lookup and relationships endpoints.
    link: https://docs.joinmastodon.org/methods/accounts/
  - name: Mastodon API, lists
    description: List and list member endpoints.
    link: https://docs.joinmastodon.org/methods/lists/
"""

EXAMPLES = r"""
- name: Follow a few accounts
  fediverse.deploy.mastodon_follows:
    api_url: https://social.example.org
    api_token: "{{ mastodon_owner_token }}"
    accounts:
      - "@alice@fosstodon.example"
      - bob@mastodon.example
      - account: carol@social.example
        reblogs: false
        notify: true
        languages: [en, de]

- name: Rebuild follows and lists from a Twitter migration helper's output
  fediverse.deploy.mastodon_follows:
    api_url: https://social.example.org
    api_token: "{{ mastodon_owner_token }}"
    accounts: "{{ migration.accounts }}"
    lists:
      - title: Colleagues
        members: [dave@example.net, erin@example.org]
        replies_policy: list
        exclusive: false
  register: follows

- name: Run again until everything is done (the daily follow limit may stop a run)
  ansible.builtin.debug:
    msg: "{{ follows.summary.remaining }} follows remain, run the play again tomorrow"
  when: not follows.complete

- name: Keep exactly these follows, unfollow everything else
  fediverse.deploy.mastodon_follows:
    api_url: https://social.example.org
    api_token: "{{ mastodon_owner_token }}"
    accounts: "{{ wanted_follows }}"
    exclusive: true

- name: Unfollow two accounts and delete a list
  fediverse.deploy.mastodon_follows:
    api_url: https://social.example.org
    api_token: "{{ mastodon_owner_token }}"
    state: absent
    accounts: [spam@bad.example, "@old@gone.example"]
    lists:
      - title: Old list
"""

RETURN = r"""
complete:
  description: Whether everything asked for is done. False after a stop at a rate limit or a failure.
  returned: always
  type: bool
summary:
  description: Counts of what was done (or, in check mode, would be done).
  returned: always
  type: dict
  contains:
    followed:
      description: New follows that are active.
      type: int
      returned: always
    requested:
      description: New follow requests waiting for the other side to accept.
      type: int
      returned: always
    already_followed:
      description: Accounts that were already followed with matching options.
      type: int
      returned: always
    pending:
      description: Accounts with a follow request already waiting before this run.
      type: int
      returned: always
    updated:
      description: Follows whose options (reblogs, notify, languages) were changed.
      type: int
      returned: always
    unfollowed:
      description: Follows and follow requests removed.
      type: int
      returned: always
    unresolved:
      description: Handles that could not be resolved or followed.
      type: int
      returned: always
    lists_created:
      description: Lists created.
      type: int
      returned: always
    lists_updated:
      description: Lists whose settings were changed.
      type: int
      returned: always
    lists_deleted:
      description: Lists deleted.
      type: int
      returned: always
    members_added:
      description: List members added.
      type: int
      returned: always
    members_removed:
      description: List members removed.
      type: int
      returned: always
    remaining:
      description: Actions left for a later run.
      type: int
      returned: always
    requests:
      description: HTTP requests made, retries included.
      type: int
      returned: always
  sample: {followed: 12, requested: 3, already_followed: 985, pending: 0, updated: 0, unfollowed: 0, unresolved: 2,
           lists_created: 1, lists_updated: 0, lists_deleted: 0, members_added: 4, members_removed: 0, remaining: 0, requests: 45}
followed:
  description: Handles followed by this run.
  returned: always
  type: list
  elements: str
requested:
  description: Handles to which this run sent a follow request that still waits for approval.
  returned: always
  type: list
  elements: str
already_followed:
  description: Handles that were already followed.
  returned: always
  type: list
  elements: str
pending:
  description: Handles with a follow request that was already waiting.
  returned: always
  type: list
  elements: str
updated:
  description: Handles whose follow options were changed.
  returned: always
  type: list
  elements: str
unfollowed:
  description: Handles unfollowed (or whose follow request was withdrawn).
  returned: always
  type: list
  elements: str
unresolved:
  description:
    - Handles that could not be resolved or followed, with a reason.
    - Reasons are V(malformed), V(not_found), V(self), V(suspended), V(moved), V(blocked), V(domain_blocked),
      V(forbidden), V(rejected) (a 422 from Mastodon, for example the follow cap) and V(error).
  returned: always
  type: list
  elements: dict
  sample: [{account: "bob@@example", reason: malformed, detail: "expected @user@host or user@host"},
           {account: "nobody@example.org", reason: not_found, detail: "not known to the instance and not resolvable"}]
lists:
  description: What happened to each managed list.
  returned: always
  type: list
  elements: dict
  sample: [{title: Colleagues, id: "17", created: true, updated: {}, deleted: false,
            members_added: [dave@example.net], members_removed: []}]
remaining:
  description: Actions not done because the run stopped (rate limit or failure); a later run does them.
  returned: always
  type: list
  elements: dict
  sample: [{account: "zoe@example.org", action: follow, reason: "daily follow limit reached, resets in 30712 s"}]
requests:
  description: HTTP requests made (retries included), by method, the time spent waiting for rate limits,
    the last C(X-RateLimit-*) values seen, the faults met (5xx answers and lost connections) and how many
    writes a read-back found done after a fault.
  returned: always
  type: dict
  sample: {total: 15, by_method: {GET: 15}, waited_seconds: 0, rate_limit: {limit: "300", remaining: "286",
           reset: "2026-11-23T20:05:00.000000Z"}, faults: 0, read_backs: 0}
"""

from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_api import (
    PAGE_LIMIT,
    ConnectionFailed,
    ForbiddenError,
    MastodonAPIError,
    MastodonClient,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
    connection_problems,
    mastodon_argument_spec,
)
from ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_follows_plan import (
    HANDLE_FIX,
    LIST_REPLIES_POLICIES,
    MAX_LISTS,
    account_key,
    chunks,
    lists_problems,
    normalize_accounts,
    normalize_lists,
    option_changes,
    plan_follows,
    plan_list,
    problem,
)

_REASON_BY_ERROR = ((ForbiddenError, "forbidden"), (NotFoundError, "not_found"), (ValidationError, "rejected"))
# Malformed handles named in the warning; the result's `unresolved` lists them all.
_WARN_NAMES = 10


class Halt(Exception):
    """The run cannot go on: a rate limit beyond max_wait (not a failure), or an unreachable server (a failure)."""

    def __init__(self, message, fatal):
        super().__init__(message)
        self.message = message
        self.fatal = fatal


class FollowsRun:
    """One run of the module: read, plan, then write (outside check mode)."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.state = self.params["state"]
        self.out = dict(followed=[], requested=[], already_followed=[], pending=[], updated=[], unfollowed=[], unresolved=[], lists=[], remaining=[])
        self.changed = False
        self.stop = None  # the Halt that ended the run early, if any
        self.follows_blocked = None  # why new follows stop (the daily follow limit); other actions go on
        self.not_followed = set()  # handles whose planned follow did not happen in this run (kept off lists)
        self.handles = {}  # account id -> handle, for messages and list members
        self.wanted = {}  # handle -> follow options
        self.specs = []
        self.local_domain = ""
        self.self_key = None
        self.followed = {}  # handle -> account id, read from the following list
        self.resolved = {}  # handle -> Account entity or problem dict
        self.relationships = {}
        self.plan = None
        self.list_actions = []

    # -- read -----------------------------------------------------------------

    def prepare(self):
        """Normalise the input, before any request: strict fails here, malformed handles are warned about."""
        wanted, problems = normalize_accounts(self.params["accounts"])
        self.specs, list_problems = normalize_lists(self.params["lists"])
        self.out["unresolved"].extend(problems + list_problems)
        if self.state == "present":
            for spec in self.specs:
                for handle in spec["members"]:
                    wanted.setdefault(handle, {})
        self.wanted = wanted
        if self.params["strict"] and self.out["unresolved"]:
            self.fail_strict()
        self.warn_malformed()

    def read(self):
        wanted = self.wanted
        me = self.client.get("/api/v1/accounts/verify_credentials")
        self.local_domain = urlsplit(me.get("url") or "").netloc.lower()
        self.self_key = account_key(me, self.local_domain)
        if wanted or self.params["exclusive"]:
            for account in self.client.paginate("/api/v1/accounts/%s/following" % me["id"]):
                key = account_key(account, self.local_domain)
                self.followed[key] = account["id"]
                self.handles[account["id"]] = key
        for handle in wanted:
            if handle not in self.followed and handle != self.self_key:
                self.resolved[handle] = self.resolve(handle)
        self.relationships = self.read_relationships()
        self.plan = plan_follows(wanted, self.followed, self.resolved, self.relationships, self.state, self.params["exclusive"], self.self_key)
        self.out["unresolved"].extend(self.plan.unresolved)
        if self.params["exclusive"] and any(p["reason"] == "error" for p in self.out["unresolved"]):
            # An account that failed to resolve may be one we follow: do not guess, unfollow nothing.
            self.module.warn("exclusive: some accounts failed to resolve, so nothing is unfollowed in this run")
            self.plan.unfollow = []
        self.read_lists()

    def warn_malformed(self):
        """Dropping a handle the user wrote is worth a visible warning, not only an entry in the result."""
        malformed = [p for p in self.out["unresolved"] if p["reason"] == "malformed"]
        if not malformed:
            return
        names = ", ".join("%r (%s)" % (p["account"], p["detail"]) for p in malformed[:_WARN_NAMES])
        more = " and %d more" % (len(malformed) - _WARN_NAMES) if len(malformed) > _WARN_NAMES else ""
        self.module.warn("skipped %d malformed handle(s): %s%s; %s, or set strict: true to fail on them" % (len(malformed), names, more, HANDLE_FIX))

    def get_or_halt(self, path, params):
        """GET while planning: a rate limit or an outage halts the run, which then reports what remains."""
        try:
            return self.client.get(path, params)
        except RateLimitedError as exc:
            raise Halt(self.limit_message(exc), fatal=False) from exc
        except (ConnectionFailed, ServerError) as exc:
            raise Halt(str(exc), fatal=True) from exc

    def resolve(self, handle):
        """Account entity for a handle, or a problem dict."""
        username, domain = handle.split("@")
        # Local accounts are looked up by bare username, which every Mastodon version accepts.
        acct = username if domain == self.local_domain else handle
        try:
            account = self.lookup(acct)
            if account is None and self.state == "present":
                account = self.search(handle)
        except MastodonAPIError as exc:
            return problem(handle, "error", str(exc))
        if account is None:
            return problem(handle, "not_found", "not known to the instance and not resolvable")
        self.handles[account["id"]] = handle
        return account

    def lookup(self, acct):
        """The account the instance knows as ``acct``, or None."""
        try:
            return self.get_or_halt("/api/v1/accounts/lookup", dict(acct=acct))
        except NotFoundError:
            return None

    def search(self, handle):
        """Ask the instance to resolve a remote account it does not know yet (WebFinger); the account or None."""
        found = self.get_or_halt("/api/v2/search", dict(q="@" + handle, type="accounts", resolve=True, limit=5))
        accounts = (found or {}).get("accounts") or []
        for account in accounts:
            if account_key(account, self.local_domain) == handle:
                return account
        username = handle.split("@")[0]
        same_user = [a for a in accounts if (a.get("username") or "").lower() == username]
        # WebFinger may answer with the account's canonical domain (user@example.com -> user@social.example.com).
        return same_user[0] if len(same_user) == 1 else None

    def read_relationships(self):
        """Relationships of resolved accounts, and of followed ones whose options must be compared."""
        ids = [a["id"] for a in self.resolved.values() if "reason" not in a]
        if self.state == "present":
            ids += [self.followed[h] for h, options in self.wanted.items() if options and h in self.followed]
        relationships = {}
        for batch in chunks(sorted(set(ids)), PAGE_LIMIT):
            try:
                for relationship in self.get_or_halt("/api/v1/accounts/relationships", {"id[]": batch}) or []:
                    relationships[relationship["id"]] = relationship
            except MastodonAPIError as exc:
                raise Halt(str(exc), fatal=True) from exc
        return relationships

    def read_lists(self):
        if not self.specs and not self.params["lists_exclusive"]:
            return
        all_lists = self.client.get("/api/v1/lists") or []
        existing = {}
        for item in all_lists:
            existing.setdefault(item["title"], item)
        titles = set(spec["title"] for spec in self.specs)
        if self.params["lists_exclusive"] and self.state == "present":
            for title, item in sorted(existing.items()):
                if title not in titles:
                    self.list_actions.append((dict(title=title, members=[]), item, {}, dict(delete=True)))
        member_ids = self.member_ids()
        for spec in self.specs:
            current = existing.get(spec["title"])
            members = {}
            if current is not None and self.state == "present":
                for account in self.client.get("/api/v1/lists/%s/accounts" % current["id"], dict(limit=0)) or []:
                    members[account["id"]] = account_key(account, self.local_domain)
                    self.handles.setdefault(account["id"], members[account["id"]])
            action = plan_list(spec, current, members, member_ids, self.state)
            self.list_actions.append((spec, current, members, action))
        self.check_list_limit(len(all_lists))

    def check_list_limit(self, count):
        """Mastodon refuses a 51st list; find out before any change rather than after the first lists."""
        deleted = sum(1 for _spec, _current, _members, action in self.list_actions if action.get("delete"))
        created = [spec["title"] for spec, _current, _members, action in self.list_actions if action.get("create")]
        if created and count - deleted + len(created) > MAX_LISTS:
            self.module.fail_json(
                msg="lists: the user has %d lists and %d more would make %d, but Mastodon allows %d lists per account; "
                "nothing was changed. Delete lists in Mastodon, or set lists_exclusive: true to delete those not in lists"
                % (count - deleted, len(created), count - deleted + len(created), MAX_LISTS)
            )

    def member_ids(self):
        """Ids of handles that are, or are planned to be, followed or requested."""
        ids = dict((h, i) for h, i in self.followed.items())
        for handle, account_id, _options in self.plan.follow:
            ids[handle] = account_id
        for handle in self.plan.pending:
            ids[handle] = self.resolved[handle]["id"]
        for handle in self.plan.already + [u[0] for u in self.plan.update]:
            if handle in self.resolved:
                ids[handle] = self.resolved[handle]["id"]
        return ids

    # -- write ----------------------------------------------------------------

    def write(self):
        plan = self.plan
        self.out["already_followed"] = list(plan.already)
        self.out["pending"] = list(plan.pending)
        if self.params["strict"] and self.out["unresolved"]:
            self.fail_strict()
        # Option updates first: they are not new follows and do not count against the daily limit.
        for handle, account_id, changes in plan.update:
            if self.step("update", handle, self.follow, account_id, changes):
                self.out["updated"].append(handle)
        for handle, account_id in plan.unfollow:
            if self.step("unfollow", handle, self.unfollow, account_id):
                self.out["unfollowed"].append(handle)
        for handle, account_id, options in plan.follow:
            if self.follows_blocked:
                self.remaining(handle, "follow", self.follows_blocked)
                self.not_followed.add(handle)
                continue
            relationship = self.step("follow", handle, self.follow, account_id, options)
            if relationship is None:
                self.not_followed.add(handle)
            else:
                waiting = relationship.get("requested") and not relationship.get("following")
                self.out["requested" if waiting else "followed"].append(handle)
        for spec, current, members, action in self.list_actions:
            self.write_list(spec, current, members, action)

    # Each write below that Mastodon does not make idempotent reads back, after a fault, whether it happened.

    def follow(self, account_id, options):
        """Follow, or change a follow's options; the relationship tells whether a write with a lost answer happened."""

        def read_back():
            relationship = self.client.get("/api/v1/accounts/relationships", {"id[]": [account_id]})[0]
            done = (relationship.get("following") or relationship.get("requested")) and not option_changes(options, relationship)
            return bool(done), (relationship if done else options)

        return self.client.write("POST", "/api/v1/accounts/%s/follow" % account_id, body=options, read_back=read_back)

    def unfollow(self, account_id):
        # Unfollowing twice is harmless in Mastodon (it answers the relationship), so this one is retried.
        return self.client.post("/api/v1/accounts/%s/unfollow" % account_id, idempotent=True)

    def create_list(self, body):
        def read_back():
            found = [item for item in self.client.get("/api/v1/lists") or [] if item.get("title") == body["title"]]
            return bool(found), (found[0] if found else body)

        return self.client.write("POST", "/api/v1/lists", body=body, read_back=read_back)

    def add_members(self, list_id, account_ids):
        """Add accounts to a list; after a fault only those not on it yet are sent again (Mastodon refuses repeats)."""
        path = "/api/v1/lists/%s/accounts" % list_id

        def read_back():
            present = set(str(a["id"]) for a in self.client.get(path, dict(limit=0)) or [])
            missing = [i for i in account_ids if str(i) not in present]
            return not missing, ({} if not missing else {"account_ids": missing})

        return self.client.write("POST", path, body={"account_ids": account_ids}, read_back=read_back)

    def delete_list(self, list_id):
        # A retried delete whose first answer was lost finds the list gone: that is what was asked for.
        try:
            return self.client.delete("/api/v1/lists/%s" % list_id)
        except NotFoundError:
            return {}

    def step(self, action, subject, write, *args):
        """Run ``write(*args)`` (skipped in check mode); returns its answer, or None when it did not happen."""
        if self.stop is not None:
            self.remaining(subject, action, "not attempted after: %s" % self.stop.message)
            return None
        if self.module.check_mode:
            self.changed = True
            return dict(following=True) if action in ("follow", "update") else {}
        try:
            answer = write(*args)
        except RateLimitedError as exc:
            reason = self.limit_message(exc)
            if action == "follow":
                self.follows_blocked = reason
            else:
                self.stop = Halt(reason, fatal=False)
            self.remaining(subject, action, reason)
            return None
        except (ConnectionFailed, ServerError) as exc:
            self.stop = Halt(str(exc), fatal=True)
            self.remaining(subject, action, str(exc))
            return None
        except MastodonAPIError as exc:
            reason = next((name for cls, name in _REASON_BY_ERROR if isinstance(exc, cls)), "error")
            self.out["unresolved"].append(problem(subject, reason, str(exc)))
            return None
        self.changed = True
        return {} if answer is None else answer

    def write_list(self, spec, current, members, action):
        report = dict(
            title=spec["title"], id=current["id"] if current else None, created=False, updated={}, deleted=False, members_added=[], members_removed=[]
        )
        self.out["lists"].append(report)
        title = spec["title"]
        if action.get("delete"):
            report["deleted"] = self.step("delete list", title, self.delete_list, current["id"]) is not None
            return
        if action["create"]:
            body = dict((k, spec[k]) for k in ("title", "replies_policy", "exclusive") if spec.get(k) is not None)
            created = self.step("create list", title, self.create_list, body)
            if created is None:
                return
            report["created"] = True
            report["id"] = created.get("id")
        if action["update"]:
            if self.step("update list", title, self.client.put, "/api/v1/lists/%s" % current["id"], action["update"]) is not None:
                report["updated"] = action["update"]
        # Only accounts followed or requested by now may join a list (Mastodon answers 422 otherwise).
        blocked = self.not_followed | {u["account"] for u in self.out["unresolved"]}
        to_add = [i for i in action["add"] if self.handles.get(i) not in blocked]
        for i in action["add"]:
            if self.handles.get(i) in blocked:
                self.remaining(self.handles.get(i), "add to list %s" % title, "the account is not followed yet")
        for batch in chunks(to_add, PAGE_LIMIT):
            if self.step("add to list %s" % title, title, self.add_members, report["id"], batch) is not None:
                report["members_added"].extend(self.handles.get(i, i) for i in batch)
        list_path = "/api/v1/lists/%s/accounts" % report["id"]
        for batch in chunks(action["remove"], PAGE_LIMIT):
            if self.step("remove from list %s" % title, title, self.client.delete, list_path, {"account_ids[]": batch}) is not None:
                report["members_removed"].extend(members.get(i, i) for i in batch)

    # -- report ---------------------------------------------------------------

    def remaining(self, subject, action, reason):
        self.out["remaining"].append(dict(account=subject, action=action, reason=reason))

    def limit_message(self, exc):
        if exc.wait is None:
            return "rate limited (%s), no reset time given" % exc.message
        kind = "daily follow limit reached" if exc.path and exc.path.endswith("/follow") else "rate limit reached"
        return "%s, resets in %d s (more than max_wait=%d)" % (kind, exc.wait, self.client.max_wait)

    def diff(self):
        before_follow = set(self.followed)
        after_follow = set(before_follow)
        after_follow.update(handle for handle, _account_id, _options in self.plan.follow)
        after_follow.difference_update(handle for handle, _account_id in self.plan.unfollow)
        before_lists, after_lists = {}, {}
        for spec, current, members, action in self.list_actions:
            title = spec["title"]
            if current is not None:
                before_lists[title] = sorted(members.values())
            if action.get("delete"):
                continue
            keep = set(members) - set(action["remove"]) | set(action["add"])
            after_lists[title] = sorted(self.handles.get(i, str(i)) for i in keep)
        return dict(before=dict(following=sorted(before_follow), lists=before_lists), after=dict(following=sorted(after_follow), lists=after_lists))

    def result(self):
        out = self.out
        stats = self.client.stats()
        lists = out["lists"]
        counted = ("followed", "requested", "already_followed", "pending", "updated", "unfollowed", "unresolved", "remaining")
        summary = dict((key, len(out[key])) for key in counted)
        summary.update(
            lists_created=sum(1 for x in lists if x["created"]),
            lists_updated=sum(1 for x in lists if x["updated"]),
            lists_deleted=sum(1 for x in lists if x["deleted"]),
            members_added=sum(len(x["members_added"]) for x in lists),
            members_removed=sum(len(x["members_removed"]) for x in lists),
            requests=stats["total"],
        )
        result = dict(changed=self.changed, complete=not out["remaining"], summary=summary, requests=stats, **out)
        if self.module._diff and self.plan is not None:
            result["diff"] = self.diff()
        return result

    def fail_strict(self):
        names = ", ".join("%s (%s)" % (p["account"], p["reason"]) for p in self.out["unresolved"])
        self.module.fail_json(msg="strict: %d account(s) cannot be followed, nothing was changed: %s" % (len(self.out["unresolved"]), names), **self.result())


def main():
    argument_spec = mastodon_argument_spec()
    argument_spec.update(
        accounts=dict(type="list", elements="raw", default=[]),
        lists=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                title=dict(type="str", required=True),
                members=dict(type="list", elements="str", default=[]),
                replies_policy=dict(type="str", choices=list(LIST_REPLIES_POLICIES)),
                exclusive=dict(type="bool"),
                members_exclusive=dict(type="bool", default=False),
            ),
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        exclusive=dict(type="bool", default=False),
        lists_exclusive=dict(type="bool", default=False),
        strict=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    # Every input problem is refused before the first request.
    problems = connection_problems(module.params) + lists_problems(module.params["lists"])
    if module.params["state"] == "absent" and (module.params["exclusive"] or module.params["lists_exclusive"]):
        problems.append("exclusive and lists_exclusive apply only to state=present; remove them, or use state: present")
    if problems:
        module.fail_json(msg="Invalid options, nothing was changed: %s" % "; ".join(problems))

    client = MastodonClient(module)
    run = FollowsRun(module, client)
    run.prepare()
    problem_text = client.probe()
    if problem_text:
        module.fail_json(msg=problem_text + "; nothing was changed")
    try:
        run.read()
    except Halt as exc:
        run.stop = exc
    except RateLimitedError as exc:
        run.stop = Halt(run.limit_message(exc), fatal=False)
    except MastodonAPIError as exc:
        module.fail_json(msg="Mastodon API: %s" % exc, **run.result())
    if run.stop is not None:
        # Nothing was written yet; a rate limit is not an error, a dead server is.
        for handle in run.wanted:
            run.remaining(handle, "resolve", run.stop.message)
        if run.stop.fatal:
            module.fail_json(msg="Mastodon API: %s" % run.stop.message, **run.result())
        module.exit_json(**run.result())
    run.write()
    if run.stop is not None and run.stop.fatal:
        module.fail_json(msg="Mastodon API: %s; the changes made so far are reported, a re-run continues" % run.stop.message, **run.result())
    if run.out["remaining"]:
        module.warn("%d action(s) remain (%s); run the task again later to continue" % (len(run.out["remaining"]), run.out["remaining"][0]["reason"]))
    module.exit_json(**run.result())


if __name__ == "__main__":
    main()
