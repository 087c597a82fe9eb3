# fediverse.deploy runner: access_token v1
#
# Find or create the automation API token of a local user, the way Settings > Development does
# (User#token_for_app), and replace it when it was revoked (a password reset revokes every token, and
# token_for_app would hand the revoked one back). Run with `bin/rails runner -` (script on stdin).
# Input: JSON in FEDIVERSE_RUNNER_INPUT: {"username", "app_name", "scopes", "redirect_uri"}.
# Output: exactly one JSON line on stdout; exit 1 when the user does not exist.
require 'json'

input = JSON.parse(ENV.fetch('FEDIVERSE_RUNNER_INPUT'))
account = Account.find_local(input.fetch('username'))
user = account&.user
if user.nil?
  puts({ ok: false, error: "no local user #{input['username']}" }.to_json)
  exit 1
end

changed = false
app = Doorkeeper::Application.find_or_create_by!(name: input.fetch('app_name'), owner: user) do |new_app|
  new_app.redirect_uri = input.fetch('redirect_uri', 'urn:ietf:wg:oauth:2.0:oob')
  new_app.scopes = input.fetch('scopes')
  changed = true
end

token = user.token_for_app(app)
changed ||= token.previously_new_record?
if token.revoked?
  token.destroy
  token = user.token_for_app(app)
  changed = true
end

puts({ ok: true, changed: changed, token: token.token, scopes: token.scopes.to_s, application_id: app.id }.to_json)
