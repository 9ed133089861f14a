"""`manifest.yml` is a valid Slack app manifest that declares exactly what the app registers.

Runs without a database or network: it builds the Bolt app's listeners the way `bot.app` does and
compares them with the manifest. Slack's manifest JSON Schema is vendored in tests/fixtures/slack/
(MIT, see manifest.schema.LICENSE there).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import yaml
from slack_bolt import App

from bot.oauth import BOT_SCOPES, REDIRECT_PATH
from bot.surfaces import Surfaces

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "manifest.yml"
SCHEMA = ROOT / "tests" / "fixtures" / "slack" / "manifest.schema.1.0.0.json"

REQUEST_PATH = "/slack/events"

# One Bolt "message" listener receives the message events of every conversation type the app reads.
MESSAGE_EVENTS = frozenset({"message.channels", "message.groups", "message.im"})

# Scopes an event subscription needs, per Slack's event reference (docs.slack.dev/reference/events).
# Public channels raise channel_* events (channels:read), private channels raise group_* (groups:read);
# member_*_channel and channel_(un)shared arrive for each channel type whose read scope the app holds,
# and Handoff follows both types.
EVENT_SCOPES: dict[str, frozenset[str]] = {
    "message.channels": frozenset({"channels:history"}),
    "message.groups": frozenset({"groups:history"}),
    "message.im": frozenset({"im:history"}),
    "reaction_added": frozenset({"reactions:read"}),
    "reaction_removed": frozenset({"reactions:read"}),
    "member_joined_channel": frozenset({"channels:read", "groups:read"}),
    "member_left_channel": frozenset({"channels:read", "groups:read"}),
    "channel_left": frozenset({"channels:read"}),
    "group_left": frozenset({"groups:read"}),
    "channel_rename": frozenset({"channels:read"}),
    "group_rename": frozenset({"groups:read"}),
    "channel_archive": frozenset({"channels:read"}),
    "group_archive": frozenset({"groups:read"}),
    "channel_unarchive": frozenset({"channels:read"}),
    "group_unarchive": frozenset({"groups:read"}),
    "channel_deleted": frozenset({"channels:read"}),
    "group_deleted": frozenset({"groups:read"}),
    "channel_shared": frozenset({"channels:read", "groups:read"}),
    "channel_unshared": frozenset({"channels:read", "groups:read"}),
    "user_change": frozenset({"users:read"}),
    "team_join": frozenset({"users:read"}),
    # Needs a bot user, no scope.
    "app_home_opened": frozenset(),
    # Every app receives these without a scope.
    "app_uninstalled": frozenset(),
    "tokens_revoked": frozenset(),
}

# Scopes needed by something other than an event subscription: Web API methods Handoff calls, and
# slash commands. A scope the manifest requests must appear here or in EVENT_SCOPES.
# views.publish (App Home) needs no scope.
NON_EVENT_SCOPES: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"chat:write"}),
    "conversations.open": frozenset({"im:write"}),
    "users.info": frozenset({"users:read"}),
    "conversations.info": frozenset({"channels:read", "groups:read", "im:read"}),
    "conversations.members": frozenset({"channels:read", "groups:read", "im:read"}),
    "slash commands": frozenset({"commands"}),
    "files.getUploadURLExternal / files.completeUploadExternal": frozenset({"files:write"}),
}


def _load_manifest() -> dict[str, Any]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(manifest, dict)
    return manifest


def _registered_surfaces() -> Surfaces:
    """The app's listeners, registered on a Bolt app that talks to nothing."""
    import bot.app

    app = App(signing_secret="x", token="xoxb-x", token_verification_enabled=False)
    surfaces, _processors = bot.app.register_surfaces(app)
    return surfaces
    from handlers import commands, events

    surfaces = Surfaces(app)
    commands.register(surfaces)
    events.register(surfaces, events.event_processors(surfaces))
    return surfaces


def _bot_events(manifest: dict[str, Any]) -> list[str]:
    events: list[str] = manifest["settings"]["event_subscriptions"]["bot_events"]
    return events


def _bot_scopes(manifest: dict[str, Any]) -> list[str]:
    scopes: list[str] = manifest["oauth_config"]["scopes"]["bot"]
    return scopes


def _differ(declared: set[str], registered: set[str]) -> str:
    return f"only in manifest.yml: {sorted(declared - registered)}; only registered: {sorted(registered - declared)}"


def _listener_event(manifest_event: str) -> str:
    """The Bolt event type a manifest subscription is delivered to (message.im → message)."""
    return "message" if manifest_event in MESSAGE_EVENTS else manifest_event


def test_manifest_is_valid_against_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(_load_manifest()), key=lambda e: list(e.absolute_path))
    report = "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors)
    assert not errors, f"manifest.yml does not match Slack's manifest schema:\n{report}"

    # The schema spells this constraint "regex", which JSON Schema ignores; check it here.
    color = _load_manifest()["display_information"].get("background_color")
    if color is not None:
        assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", color), color


def test_manifest_declares_exactly_what_the_app_registers() -> None:
    manifest = _load_manifest()
    features: dict[str, Any] = manifest.get("features", {})
    settings: dict[str, Any] = manifest["settings"]
    surfaces = _registered_surfaces()

    commands: list[dict[str, Any]] = features.get("slash_commands", [])
    declared = {c["command"] for c in commands}
    assert declared == set(surfaces.commands), _differ(declared, set(surfaces.commands))
    assert len(commands) == len({c["command"] for c in commands}), "a slash command is declared twice"

    bot_events = _bot_events(manifest)
    assert len(bot_events) == len(set(bot_events)), "a bot event is declared twice"
    declared = {_listener_event(e) for e in bot_events}
    assert declared == surfaces.events, _differ(declared, surfaces.events)
    if "message" in surfaces.events:
        assert set(bot_events) >= MESSAGE_EVENTS, "the message listener needs message.channels/groups/im"

    shortcuts: list[dict[str, Any]] = features.get("shortcuts", [])
    assert {s["type"] for s in shortcuts} <= {"message", "global"}
    declared = {s["callback_id"] for s in shortcuts if s["type"] == "message"}
    assert declared == surfaces.message_shortcuts, _differ(declared, surfaces.message_shortcuts)
    declared = {s["callback_id"] for s in shortcuts if s["type"] == "global"}
    assert declared == surfaces.global_shortcuts, _differ(declared, surfaces.global_shortcuts)

    # Always on, whatever is registered today: App Home buttons and modals are on the way.
    interactivity = settings["interactivity"]
    assert interactivity["is_enabled"] is True, "interactivity must be enabled"
    assert settings["socket_mode_enabled"] is False, "HTTP request URLs need socket mode off"

    urls = [settings["event_subscriptions"]["request_url"], interactivity["request_url"]]
    urls += [c["url"] for c in commands]
    for url in urls:
        assert url.startswith("https://"), url
        assert url.endswith(REQUEST_PATH), url


def test_every_bot_event_has_its_scope() -> None:
    manifest = _load_manifest()
    scopes = _bot_scopes(manifest)
    assert len(scopes) == len(set(scopes)), "a scope is requested twice"

    bot_events = _bot_events(manifest)
    unknown = sorted(set(bot_events) - set(EVENT_SCOPES))
    assert not unknown, f"add these events and their scopes (from Slack's docs) to EVENT_SCOPES: {unknown}"
    missing = {event: sorted(EVENT_SCOPES[event] - set(scopes)) for event in bot_events}
    missing = {event: needs for event, needs in missing.items() if needs}
    assert not missing, f"events without their scopes: {missing}"

    needed = set().union(*(EVENT_SCOPES[event] for event in bot_events), *NON_EVENT_SCOPES.values())
    extra = sorted(set(scopes) - needed)
    assert not extra, f"scopes no event or method needs (least privilege): {extra}"


def test_oauth_installs_ask_for_the_manifests_scopes_and_come_back_to_handoff() -> None:
    manifest = _load_manifest()
    assert tuple(_bot_scopes(manifest)) == BOT_SCOPES, "bot.oauth.BOT_SCOPES and manifest.yml must agree"
    assert manifest["oauth_config"].get("scopes", {}).get("user") in (None, []), "Handoff acts as its bot only"
    redirects: list[str] = manifest["oauth_config"]["redirect_urls"]
    assert redirects and all(url.startswith("https://") and url.endswith(REDIRECT_PATH) for url in redirects)
    assert manifest["settings"]["token_rotation_enabled"] is True


def test_every_scope_says_why_it_is_needed() -> None:
    """Each requested bot scope carries a YAML comment with its reason."""
    text = MANIFEST.read_text(encoding="utf-8")
    for scope in _bot_scopes(_load_manifest()):
        assert re.search(rf"^\s*-\s*{re.escape(scope)}\s+#\s*\S", text, re.MULTILINE), f"{scope} has no reason"


def test_the_docs_claim_org_wide_installs_only_when_the_manifest_enables_them() -> None:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    claims = [path.name for path in docs if re.search(r"org-wide\s+install", path.read_text(encoding="utf-8"))]
    enabled = _load_manifest()["settings"].get("org_deploy_enabled", False)
    assert bool(claims) == enabled, f"org_deploy_enabled is {enabled} while these claim org-wide installs: {claims}"
