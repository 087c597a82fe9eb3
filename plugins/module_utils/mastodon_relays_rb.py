# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Ruby that fediverse.deploy.mastodon_relay sends to ``bin/rails runner`` (runner protocol v1).

Mastodon has no API and no tootctl command for relays, only the admin page, which calls the same model
methods as this script: Relay.create!, Relay#enable! (sends the Follow, state pending), Relay#destroy
(sends the Undo first when the relay was accepted). All relays are handled in this one script, so a task
boots Rails once whatever the number of relays. Unit tests check it with ``ruby -c``.
"""

from __future__ import annotations

RELAYS_SCRIPT = r"""# fediverse.deploy runner: relays v1
#
# Input (JSON in FEDIVERSE_RUNNER_INPUT): {"inbox_urls": [...], "state": "present"|"absent",
# "exclusive": bool, "dry_run": bool}. Output: one JSON line {ok, changed, actions, before, after}.
require 'json'

input = JSON.parse(ENV.fetch('FEDIVERSE_RUNNER_INPUT'))
wanted = input.fetch('inbox_urls').map(&:strip).uniq
present = input.fetch('state', 'present') == 'present'
exclusive = input.fetch('exclusive', false)
dry_run = input.fetch('dry_run', false)

snapshot = -> { Relay.order(:id).map { |relay| [relay.inbox_url, relay.state.to_s] }.to_h }
before = snapshot.call
actions = []

if present
  wanted.each do |url|
    relay = Relay.find_by(inbox_url: url)
    if relay.nil?
      actions << { action: 'add', inbox_url: url }
      Relay.create!(inbox_url: url).enable! unless dry_run
    elsif relay.idle? || relay.rejected?
      actions << { action: 'enable', inbox_url: url }
      relay.enable! unless dry_run
    end
  end
  if exclusive
    Relay.where.not(inbox_url: wanted).order(:id).each do |relay|
      actions << { action: 'remove', inbox_url: relay.inbox_url }
      relay.destroy! unless dry_run
    end
  end
else
  Relay.where(inbox_url: wanted).order(:id).each do |relay|
    actions << { action: 'remove', inbox_url: relay.inbox_url }
    relay.destroy! unless dry_run
  end
end

after = dry_run ? before : snapshot.call
puts({ ok: true, changed: !actions.empty?, actions: actions, before: before, after: after }.to_json)
"""
