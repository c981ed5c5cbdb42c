"""Translation of Slack payloads into neutral models: which messages to coach, who is admin."""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.coaching.models import CommandContext, Nudge, Response
from bot.core.models import Message

PLATFORM = "slack"
# Message subtypes that are new messages written by a person; everything else (joins, edits,
# deletions, bot_message, channel topic changes, ...) is ignored.
HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
# Public ("channel") and private ("group") channels; direct messages are not coached.
COACHED_CHANNEL_TYPES = frozenset({"channel", "group"})
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
ADMIN_CACHE_SECONDS = 600.0
ADMIN_FAILURE_CACHE_SECONDS = 30.0
MAX_CACHED_PROFILES = 50_000


class CoachFacade(Protocol):
    """The part of bot.coaching.coach.Coach the Slack adapter calls (all synchronous)."""

    def process(self, message: Message, event_id: str | None = None) -> list[Nudge]:
        """Analyse a message; return the nudges to deliver now."""
        ...

    def record_delivery(self, nudge_id: int, delivered: bool, error: str | None = None) -> None:
        """Remember whether a nudge reached its person."""
        ...

    def command(self, ctx: CommandContext, text: str) -> Response:
        """Answer `/coach <text>`."""
        ...

    def action(self, ctx: CommandContext, action_id: str, value: str) -> Response:
        """Answer a button click."""
        ...

    def home(self, ctx: CommandContext) -> Response:
        """The App Home content for one person."""
        ...


def should_coach(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """True for a new message by a person in a channel the bot is in (not bots, not itself)."""
    if event.get("type") != "message":
        return False
    if event.get("subtype") not in HUMAN_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile") or event.get("app_id"):
        return False
    user = event.get("user")
    if not user or user == bot_user_id:
        return False
    if event.get("channel_type", "channel") not in COACHED_CHANNEL_TYPES:
        return False
    return bool(event.get("channel")) and event_time(event) is not None


def event_time(event: dict[str, Any]) -> float | None:
    """A message event's `ts` in Unix seconds; None when it is no time (Slack's are strings
    like "1718000000.000100"; anything else is not a message to coach)."""
    try:
        ts = float(str(event.get("ts")))
    except ValueError:
        return None
    return ts if math.isfinite(ts) and ts >= 0 else None


def mentions_in(text: str) -> tuple[str, ...]:
    """User ids mentioned as <@U…> in a message, in order, without repeats."""
    return tuple(dict.fromkeys(MENTION.findall(text)))


def message_from_event(event: dict[str, Any], workspace: str) -> Message:
    """The neutral Message for a Slack message event (call should_coach first)."""
    text = str(event.get("text") or "")
    channel = str(event["channel"])
    ts = str(event["ts"])
    thread = event.get("thread_ts")
    return Message(
        platform=PLATFORM,
        workspace=workspace,
        channel=channel,
        user=str(event["user"]),
        text=text,
        ts=event_time(event),
        thread=str(thread) if thread else None,
        is_bot=False,
        mentions=mentions_in(text),
        id=f"{channel}:{ts}",
    )


@dataclass(frozen=True, slots=True)
class UserProfile:
    """What the adapter needs to know about a person: rights and time zone."""

    is_admin: bool
    timezone: str | None
    expires: float


class AdminCache:
    """users.info answers (is_admin / is_owner, tz), cached per workspace and user."""

    def __init__(self, ttl: float = ADMIN_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._profiles: dict[tuple[str, str], UserProfile] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[UserProfile]] = {}

    async def lookup(self, client: AsyncWebClient, workspace: str, user: str) -> UserProfile:
        """The person's profile; on a Web API failure, not an admin (cached briefly)."""
        key = (workspace, user)
        now = time.monotonic()
        cached = self._profiles.get(key)
        if cached is not None and cached.expires > now:
            return cached
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[UserProfile] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            profile = await self._fetch(client, user, now)
            if len(self._profiles) >= MAX_CACHED_PROFILES:
                self._profiles = {k: p for k, p in self._profiles.items() if p.expires > now}
                if len(self._profiles) >= MAX_CACHED_PROFILES:
                    self._profiles.clear()
            self._profiles[key] = profile
            future.set_result(profile)
            return profile
        finally:
            self._pending.pop(key, None)
            if not future.done():
                future.cancel()

    async def _fetch(self, client: AsyncWebClient, user: str, now: float) -> UserProfile:
        try:
            response = await client.users_info(user=user)
            info = response.get("user") or {}
        except Exception:  # noqa: BLE001 - rights default to none when Slack cannot say
            return UserProfile(False, None, now + ADMIN_FAILURE_CACHE_SECONDS)
        is_admin = bool(
            info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner")
        )
        return UserProfile(is_admin, info.get("tz"), now + self.ttl)

    def forget(self, workspace: str, user: str) -> None:
        """Drop a cached profile (e.g. after a user_change event)."""
        self._profiles.pop((workspace, user), None)
