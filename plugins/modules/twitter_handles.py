#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: twitter_handles
short_description: Find the Fediverse handles of the people in a Twitter backup, list by list
version_added: 0.1.0
author:
  - fediverse.deploy maintainers (@fediverse-deploy)
description:
  - Reads a static Twitter backup, finds the Fediverse handles people published in their profiles, and writes
    files to follow them again from a Mastodon account, keeping Twitter lists as Mastodon lists.
  - 'Give it the folder of the backup: every file in it is read (recursively) and recognised by its content;
    files that are not Twitter data are listed in the result (RV(summary.files_skipped)) and the report, not
    refused. A corrupt Twitter file is still an error naming the file and the position.'
  - 'Formats: the account archive (C(twitter-*.zip) or its extracted folder), Twitter API v1.1 JSON (C(users)
    pages of C(friends/list) or C(lists/members), arrays of users, C(friends/ids) pages), Twitter API v2 JSON
    (C(data) pages with C(includes.tweets) for pinned tweets, several pages per file), twarc2 JSON Lines (pages
    with their C(__twarc) envelope, or flattened), twarc v1 files (one user per line, or one ID per line), list
    metadata (v1.1 C(lists/list), C(lists/ownerships), C(lists/show); v2 C(owned_lists), C(followed_lists),
    C(lists/:id)), and plain text or CSV lists of handles and profile URLs.'
  - 'List members are joined to the list that the list metadata names by list ID: from the twarc2 envelope''s
    request URL, from the file name (C(lists_members_<id>...), C(list-<id>-members...)), or by O(lists). Members
    of a list that no metadata names are followed, reported and warned about, and put in no list.'
  - 'In a JSON Lines file, a corrupt line is skipped with a warning naming the file and the line.'
  - The archive holds only the IDs of followed accounts, no bios; its IDs are matched with the API data given in
    the same run, and IDs without profile data are listed in the report.
  - 'Handles are found in the display name, bio, location, URL and pinned tweet: C(@user@host), C(user@host) on
    hosts that look like Fediverse servers, profile URLs (C(host/@user), C(/web/@user), C(/users/user), C(/u/),
    C(/profile/)), the elephant emoji or a C(Mastodon:) label, and handles written around scrapers
    (C(@user at host.social), C(user [at] host [dot] social), C(user(at)host.social)) at a lower confidence.
    E-mail addresses and well-known non-Fediverse sites are left out.'
  - 'Writes into O(dest): C(following_accounts.csv) and C(lists.csv) for Mastodon''s import page, a file with
    the options of M(fediverse.deploy.mastodon_follows), and C(twitter_migration_report.json) with every
    detection, its source field and confidence. Files are replaced atomically and only when their content
    changes; nothing is written when an input is bad.'
  - 'Runs where it is executed; use C(delegate_to: localhost) to read the backup on the controller.'
  - The same code is available as the command C(bin/twitter-to-fediverse) in the collection.
options:
  src:
    description:
      - Inputs of any supported format, or folders of them (read recursively; hidden files and O(dest) are left out).
      - At least one of O(src) and O(lists) must be given.
    type: list
    elements: path
    default: []
  lists:
    description:
      - Inputs that hold the members of one Twitter list (for example C(lists/members) API pages).
      - Their accounts are followed and also put in a Mastodon list named O(lists[].title), whatever list ID
        their envelope or file name gives.
      - Not needed when the backup holds the list metadata and the members files tell their list ID.
      - A CSV input with a C(List name) column assigns lists by itself and needs no entry here.
    type: list
    elements: dict
    default: []
    suboptions:
      title:
        description: Title of the Mastodon list (the Twitter list's name).
        type: str
        required: true
      src:
        description: Files holding the list's members.
        type: list
        elements: path
        required: true
  dest:
    description:
      - Folder for the outputs; created when missing. Must not be empty.
      - Numbered split files (C(following_accounts-2.csv)) left by an earlier run that are no longer needed are removed.
    type: path
    required: true
  min_confidence:
    description:
      - Weakest detection written to the import files. Weaker ones are only in the report.
      - V(high) is an explicit C(@user@host), a C(Mastodon:) label or a C(/@user) URL on a Fediverse-looking host;
        V(medium) a C(user@host) or profile URL on a Fediverse-looking host, or an obfuscated handle;
        V(low) a candidate backed only by a keyword such as C(mastodon) elsewhere in the bio.
    type: str
    choices: [low, medium, high]
    default: medium
  verify:
    description:
      - Look every selected handle up with WebFinger (using the server's host-meta template when it has one) and
        every server with NodeInfo. Needs network access from where the module runs.
      - Accounts that WebFinger reports gone (HTTP 404 or 410) are left out of the import files; every other
        result (also timeouts and refusals) is kept with its status in the report.
    type: bool
    default: false
  verify_timeout:
    description: Seconds to wait for each HTTP request when O(verify=true).
    type: float
    default: 10
  verify_concurrency:
    description: Requests in parallel when O(verify=true) (at most two go to the same server at a time).
    type: int
    default: 8
  show_boosts:
    description: Value of the C(Show boosts) column and of C(reblogs) in the follows file.
    type: bool
    default: true
  follows_format:
    description: Format of the file for M(fediverse.deploy.mastodon_follows), C(mastodon_follows.yml) or C(mastodon_follows.json).
    type: str
    choices: [yaml, json]
    default: yaml
  max_rows:
    description: Rows per import file; larger sets are split into numbered files. Mastodon accepts at most 20,000.
    type: int
    default: 20000
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the inputs and detects the handles, writes nothing, and reports which files would change.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
notes:
  - Import the CSV files in Mastodon under C(Preferences > Import and export > Import) in C(Merge) mode, the
    following file first; or pass the follows file to M(fediverse.deploy.mastodon_follows).
  - Mastodon allows 50 lists per account; with more Twitter lists, the 50 largest are written and a warning names the others.
seealso:
  - module: fediverse.deploy.mastodon_follows
"""

EXAMPLES = r"""
- name: Find Fediverse handles in a whole backup folder (API dumps, twarc files, list metadata)
  fediverse.deploy.twitter_handles:
    src: ~/twitter-backup
    dest: ~/fediverse-follows
  delegate_to: localhost

- name: Find Fediverse handles in a Twitter archive and API dumps
  fediverse.deploy.twitter_handles:
    src:
      - ~/backups/twitter-2022-11-20-abc123.zip
      - ~/backups/friends-list-pages.json
    lists:
      - title: Climate scientists
        src:
          - ~/backups/list-climate-members.json
    dest: ~/fediverse-follows
  delegate_to: localhost
  register: handles

- name: Show what was found
  ansible.builtin.debug:
    msg: "{{ handles.summary.accounts_selected }} accounts, {{ handles.summary.lists }} lists"

- name: Check the handles over the network before importing
  fediverse.deploy.twitter_handles:
    src: ~/backups/following.json
    dest: ~/fediverse-follows
    verify: true
    verify_concurrency: 4
  delegate_to: localhost

- name: Read the follows file written above
  ansible.builtin.include_vars:
    file: "{{ lookup('ansible.builtin.env', 'HOME') }}/fediverse-follows/mastodon_follows.yml"
    name: migration

- name: Follow them from the new account, keeping the Twitter lists
  fediverse.deploy.mastodon_follows:
    api_url: https://social.example.org
    api_token: "{{ mastodon_owner_token }}"
    accounts: "{{ migration.accounts }}"
    lists: "{{ migration.lists }}"
  delegate_to: localhost
"""

RETURN = r"""
summary:
  description: Counts of the run.
  returned: always
  type: dict
  contains:
    profiles_read:
      description: Twitter profiles read from the API inputs.
      type: int
    profiles_without_handle:
      description: Profiles in which no handle was found.
      type: int
    archive_following_ids:
      description: Followed accounts listed in the archive.
      type: int
    archive_ids_without_profile:
      description: Followed accounts of the archive or of ID lists for which no input held profile data (listed in the report).
      type: int
    files_skipped:
      description: Files of an input folder that are not Twitter data (listed with the reason in the report and a warning).
      type: int
    lists_named:
      description: Twitter lists named by the list metadata read.
      type: int
    list_members_without_list_name:
      description: Profiles read from members files of lists that no metadata names (followed, in no list; listed in the report).
      type: int
    handles_found:
      description: Detections, before duplicates were merged.
      type: int
    handles_found_by_field:
      description: Detections per source field (C(name), C(description), C(location), C(url), C(pinned_tweet), C(handle_list)).
      type: dict
    duplicates_merged:
      description: Detections of a handle that was already known.
      type: int
    accounts:
      description: Distinct handles found, whatever their confidence.
      type: int
    accounts_selected:
      description: Distinct handles at or above O(min_confidence).
      type: int
    verification:
      description: Number of selected accounts per verification status (C(unverified) without O(verify)).
      type: dict
    lists:
      description: Lists written.
      type: int
  sample:
    profiles_read: 1520
    profiles_without_handle: 1201
    archive_following_ids: 1498
    archive_ids_without_profile: 3
    files_skipped: 2
    lists_named: 4
    list_members_without_list_name: 0
    handles_found: 402
    handles_found_by_field: {description: 250, name: 80, url: 60, location: 4, pinned_tweet: 8}
    duplicates_merged: 41
    accounts: 361
    accounts_selected: 344
    verification: {unverified: 344}
    lists: 4
files:
  description: The files written (or, in check mode, that would be written).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Path of the file.
      type: str
    rows:
      description: Accounts or rows in the file.
      type: int
    changed:
      description: Whether the content differs from the file that was there.
      type: bool
    sha256:
      description: SHA-256 of the new content.
      type: str
  sample:
    - {path: /home/me/fediverse-follows/following_accounts.csv, rows: 344, changed: true, sha256: 5d41402abc4b2a76b9719d911017c592}
removed:
  description: Split files of an earlier run that are no longer needed and were removed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/home/me/fediverse-follows/following_accounts-2.csv]
lists:
  description: The lists written, with their number of members.
  returned: always
  type: list
  elements: dict
  sample: [{title: Climate scientists, members: 42}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.errors import InputError, MigrationError
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.run import run


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type="list", elements="path", default=[]),
            lists=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    title=dict(type="str", required=True),
                    src=dict(type="list", elements="path", required=True),
                ),
            ),
            dest=dict(type="path", required=True),
            min_confidence=dict(type="str", choices=["low", "medium", "high"], default="medium"),
            verify=dict(type="bool", default=False),
            verify_timeout=dict(type="float", default=10),
            verify_concurrency=dict(type="int", default=8),
            show_boosts=dict(type="bool", default=True),
            follows_format=dict(type="str", choices=["yaml", "json"], default="yaml"),
            max_rows=dict(type="int", default=20000),
        ),
        required_one_of=[("src", "lists")],
        supports_check_mode=True,
    )
    params = module.params
    if params["max_rows"] < 1 or params["verify_concurrency"] < 1 or params["verify_timeout"] <= 0:
        module.fail_json(msg="max_rows, verify_concurrency and verify_timeout must be positive")
    inputs = [(path, None) for path in params["src"]]
    inputs += [(path, item["title"]) for item in params["lists"] for path in item["src"]]
    if not inputs:
        module.fail_json(msg="no input: give at least one file in src or lists")
    options = dict(
        (key, params[key]) for key in ("min_confidence", "verify", "verify_timeout", "verify_concurrency", "show_boosts", "follows_format", "max_rows")
    )
    try:
        result = run(inputs, params["dest"], options, check_mode=module.check_mode)
    except InputError as exc:
        module.fail_json(msg=str(exc), path=exc.source, line=exc.line, column=exc.column)
    except MigrationError as exc:
        module.fail_json(msg=str(exc))
    # Lists left out, limits reached, archive IDs without profiles: shown as Ansible warnings.
    for warning in result.pop("warnings"):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
