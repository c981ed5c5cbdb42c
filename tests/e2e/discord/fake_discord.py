"""A local stand-in for Discord's REST API and gateway (aiohttp, 127.0.0.1) for tests and benchmarks.

It speaks just enough of Discord's protocol for a real discord.py 2.7 client: the gateway
handshake (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, RESUME) with sharding by guild id,
dispatches pushed by the test (MESSAGE_CREATE, INTERACTION_CREATE), and the REST routes the bot
uses (login, application info, /gateway/bot, command registration, DM channels, messages,
interaction callbacks and follow-ups). Every REST request is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"
CLOSED_DMS = {"message": "Cannot send messages to this user", "code": 50007}
MANAGE_GUILD = 1 << 5
ALL_TEXT_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)


def snowflake_at(ms: int, counter: int) -> int:
    """A Discord snowflake for the given unix time in milliseconds."""
    return ((ms - DISCORD_EPOCH_MS) << 22) | (counter & 0x3FFFFF)


_counter = itertools.count(1)


def new_snowflake() -> int:
    """A fresh, increasing snowflake."""
    return snowflake_at(int(time.time() * 1000), next(_counter))


def iso_now() -> str:
    """The current time as Discord's ISO-8601 timestamp."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000+00:00"


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    """A Discord user object."""
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass
class FakeGuild:
    """A guild with one text channel; `admins` get a role with Manage Server."""

    id: int
    name: str
    channel_id: int
    owner_id: int
    admin_role_id: int
    admins: set[int] = field(default_factory=set)
    extra_channel_ids: list[int] = field(default_factory=list)
    thread_id: int = field(default_factory=lambda: new_snowflake())

    @property
    def channel_ids(self) -> list[int]:
        """Every text channel: the first (`channel_id`, "general") and the extra ones."""
        return [self.channel_id, *self.extra_channel_ids]

    def payload(self) -> dict[str, Any]:
        """The GUILD_CREATE payload."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                _role(self.id, "@everyone", ALL_TEXT_PERMISSIONS, 0),
                _role(self.admin_role_id, "Admin", ALL_TEXT_PERMISSIONS | MANAGE_GUILD, 1),
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": 3,
            "members": [],
            "voice_states": [],
            "presences": [],
            "threads": [
                {
                    "id": str(self.thread_id),
                    "type": 11,
                    "guild_id": str(self.id),
                    "parent_id": str(self.channel_id),
                    "owner_id": str(self.owner_id),
                    "name": "a thread",
                    "last_message_id": None,
                    "rate_limit_per_user": 0,
                    "message_count": 0,
                    "member_count": 1,
                    "flags": 0,
                    "thread_metadata": {
                        "archived": False,
                        "auto_archive_duration": 1440,
                        "archive_timestamp": iso_now(),
                        "locked": False,
                    },
                }
            ],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "channels": [
                {
                    "id": str(channel_id),
                    "type": 0,
                    "guild_id": str(self.id),
                    "name": "general" if index == 0 else f"channel-{index}",
                    "position": index,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                    "topic": None,
                    "last_message_id": None,
                    "rate_limit_per_user": 0,
                }
                for index, channel_id in enumerate(self.channel_ids)
            ],
        }

    def member_payload(self, user: dict[str, Any]) -> dict[str, Any]:
        """A guild member object for `user` (with the admin role when they are an admin)."""
        roles = [str(self.admin_role_id)] if int(user["id"]) in self.admins else []
        return {
            "user": user,
            "roles": roles,
            "joined_at": iso_now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "communication_disabled_until": None,
        }

    def permissions_of(self, user_id: int) -> int:
        """The member's resolved permissions, as Discord puts them into interactions."""
        base = ALL_TEXT_PERMISSIONS
        return base | MANAGE_GUILD if user_id in self.admins or user_id == self.owner_id else base


def _role(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


@dataclass
class RecordedRequest:
    """One REST request the bot made: method, path (without the API prefix), query and body."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int

    @property
    def flags(self) -> int:
        """Message flags in the body (64 = ephemeral), looking inside an interaction callback."""
        body = self.body if isinstance(self.body, dict) else {}
        data = body.get("data") if isinstance(body.get("data"), dict) else body
        return int((data or {}).get("flags") or 0)


@dataclass
class GatewaySession:
    """One identified gateway connection (one shard)."""

    ws: web.WebSocketResponse
    shard: tuple[int, int]
    session_id: str
    intents: int
    seq: int = 0
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, event: str, data: Any) -> None:
        """Send one dispatch (op 0) with the next sequence number."""
        async with self.send_lock:
            self.seq += 1
            await self.ws.send_str(json.dumps({"op": 0, "t": event, "s": self.seq, "d": data}))


class FakeDiscord:
    """Discord's REST API under /api/v10 and a gateway under /gateway, on one local port."""

    def __init__(
        self,
        *,
        token: str = "test-token",
        shard_count: int = 1,
        guild_count: int = 1,
        heartbeat_interval_ms: int = 41250,
    ) -> None:
        self.token = token
        self.shard_count = shard_count
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.application_id = new_snowflake()
        self.bot_user = user_payload(self.application_id, "Coachbot", bot=True)
        self.guilds: dict[int, FakeGuild] = {}
        for index in range(guild_count):
            self.add_guild(f"Guild {index}")
        self.requests: list[RecordedRequest] = []
        self.sessions: dict[int, GatewaySession] = {}
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.registered_commands: dict[str, list[dict[str, Any]]] = {}
        self.dm_channels: dict[int, int] = {}  # channel id -> recipient user id
        self.closed_dm_users: set[int] = set()
        self.messages: dict[int, list[dict[str, Any]]] = {}  # channel id -> created messages
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self._sockets: set[web.WebSocketResponse] = set()

    # --- set-up ----------------------------------------------------------------------------

    def add_guild(self, name: str, *, shard_id: int | None = None, channels: int = 1) -> FakeGuild:
        """Add a guild (on the given shard when asked) with text channels and an owner."""
        while True:
            guild_id = new_snowflake()
            if shard_id is None or (guild_id >> 22) % self.shard_count == shard_id:
                break
        guild = FakeGuild(
            id=guild_id,
            name=name,
            channel_id=new_snowflake(),
            owner_id=new_snowflake(),
            admin_role_id=new_snowflake(),
            extra_channel_ids=[new_snowflake() for _ in range(channels - 1)],
        )
        self.guilds[guild_id] = guild
        return guild

    @property
    def guild(self) -> FakeGuild:
        """The first guild."""
        return next(iter(self.guilds.values()))

    @property
    def api_base(self) -> str:
        """What DISCORD_API_BASE should be."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """What DISCORD_GATEWAY_URL should be."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        """Close every gateway connection and stop listening."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- waiting ---------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until predicate() is truthy (re-checked on every request or gateway event)."""

        async def waiter() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(waiter(), timeout)

    async def wait_ready(
        self, shard_ids: Iterable[int] | None = None, timeout: float = 15.0
    ) -> None:
        """Wait until the given shards (default: all) identified and got their guilds."""
        wanted = set(range(self.shard_count) if shard_ids is None else shard_ids)
        await self.wait_for(lambda: wanted <= set(self.sessions), timeout)

    async def wait_for_request(
        self, method: str, path_part: str, *, count: int = 1, timeout: float = 10.0
    ) -> list[RecordedRequest]:
        """Wait until `count` requests with this method and path fragment were made."""
        return await self.wait_for(
            lambda: (found := self.find(method, path_part)) and len(found) >= count and found,
            timeout,
        )

    def find(self, method: str, path_part: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path contains `path_part`."""
        return [r for r in self.requests if r.method == method and path_part in r.path]

    # --- gateway ---------------------------------------------------------------------------

    def shard_of(self, guild_id: int) -> int:
        """Discord's shard formula."""
        return (guild_id >> 22) % self.shard_count

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        await ws.send_str(
            json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        )
        session: GatewaySession | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op, data = payload.get("op"), payload.get("d")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    session = await self._identify(ws, data)
                elif op == 6:
                    session = await self._resume(ws, data)
        finally:
            self._sockets.discard(ws)
            if session is not None and self.sessions.get(session.shard[0]) is session:
                del self.sessions[session.shard[0]]
            await self._notify()
        return ws

    async def _identify(
        self, ws: web.WebSocketResponse, data: dict[str, Any]
    ) -> GatewaySession | None:
        self.identifies.append(data)
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        shard_id, shard_count = data.get("shard") or [0, 1]
        if shard_count != self.shard_count or not 0 <= shard_id < shard_count:
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        session = GatewaySession(
            ws=ws,
            shard=(shard_id, shard_count),
            session_id=f"s{new_snowflake()}",
            intents=int(data.get("intents") or 0),
        )
        guilds = [g for g in self.guilds.values() if self.shard_of(g.id) == shard_id]
        await session.send(
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(self.application_id), "flags": 0},
            },
        )
        for guild in guilds:
            await session.send("GUILD_CREATE", guild.payload())
        self.sessions[shard_id] = session
        await self._notify()
        return session

    async def _resume(
        self, ws: web.WebSocketResponse, data: dict[str, Any]
    ) -> GatewaySession | None:
        self.resumes.append(data)
        for shard_id, old in list(self.sessions.items()):
            if old.session_id == data.get("session_id"):
                session = GatewaySession(
                    ws=ws,
                    shard=old.shard,
                    session_id=old.session_id,
                    intents=old.intents,
                    seq=old.seq,
                )
                self.sessions[shard_id] = session
                await session.send("RESUMED", {})
                await self._notify()
                return session
        await ws.send_str(json.dumps({"op": 9, "d": False}))
        return None

    async def dispatch(
        self, event: str, data: dict[str, Any], *, shard_id: int | None = None
    ) -> None:
        """Send a dispatch to the shard of its guild (or the given shard, default shard 0)."""
        if shard_id is None:
            guild_id = data.get("guild_id")
            shard_id = self.shard_of(int(guild_id)) if guild_id else 0
        await self.sessions[shard_id].send(event, data)

    async def dispatch_many(
        self, event: str, payloads_json: list[str], *, shard_id: int = 0
    ) -> None:
        """Send many dispatches whose data is already JSON text, as fast as the socket takes them."""
        session = self.sessions[shard_id]
        async with session.send_lock:
            for data in payloads_json:
                session.seq += 1
                await session.ws.send_str(f'{{"op":0,"t":"{event}","s":{session.seq},"d":{data}}}')

    async def drop_connection(self, shard_id: int = 0) -> None:
        """Close a shard's socket abnormally so the client reconnects and resumes."""
        await self.sessions[shard_id].ws.close(code=4000, message=b"Unknown error")

    # --- payload builders ------------------------------------------------------------------

    def message_payload(
        self,
        author: dict[str, Any],
        content: str,
        *,
        guild: FakeGuild | None = None,
        message_type: int = 0,
        webhook_id: int | None = None,
        mentions: list[dict[str, Any]] | None = None,
        channel_id: int | None = None,
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload for a guild text channel (default: its first one)."""
        guild = guild or self.guild
        data: dict[str, Any] = {
            "id": str(new_snowflake()),
            "channel_id": str(channel_id or guild.channel_id),
            "guild_id": str(guild.id),
            "author": author,
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions or [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": message_type,
            "flags": 0,
            "components": [],
        }
        if webhook_id is None:
            data["member"] = {k: v for k, v in guild.member_payload(author).items() if k != "user"}
        else:
            data["webhook_id"] = str(webhook_id)
        return data

    def command_payload(
        self,
        user: dict[str, Any],
        path: list[str],
        options: dict[str, Any] | None = None,
        *,
        guild: FakeGuild | None = None,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for `/coach <path...>` with string options."""
        guild = guild or self.guild
        leaf: dict[str, Any] = {
            "name": path[-1],
            "type": 1,
            "options": [
                {"name": key, "type": 3, "value": value} for key, value in (options or {}).items()
            ],
        }
        if len(path) == 3:
            leaf = {"name": path[1], "type": 2, "options": [leaf]}
        command_ids = {c["name"]: c["id"] for cs in self.registered_commands.values() for c in cs}
        data = {
            "id": command_ids.get(path[0], str(new_snowflake())),
            "name": path[0],
            "type": 1,
            "options": [leaf],
        }
        if len(path) == 1:
            data["options"] = leaf["options"]
        return self._interaction(2, data, user, guild)

    def button_payload(
        self, user: dict[str, Any], custom_id: str, *, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for a button click in the user's DM with the bot."""
        channel_id = message["channel_id"] if message else str(new_snowflake())
        payload = {
            "id": str(new_snowflake()),
            "application_id": str(self.application_id),
            "type": 3,
            "data": {"custom_id": custom_id, "component_type": 2},
            "channel_id": channel_id,
            "channel": {"id": channel_id, "type": 1, "recipients": [user]},
            "user": user,
            "token": f"tok{new_snowflake()}",
            "version": 1,
            "locale": "en-US",
            "app_permissions": "0",
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
        }
        if message is not None:
            payload["message"] = message
        return payload

    def _interaction(
        self, kind: int, data: dict[str, Any], user: dict[str, Any], guild: FakeGuild
    ) -> dict[str, Any]:
        member = guild.member_payload(user)
        member["permissions"] = str(guild.permissions_of(int(user["id"])))
        return {
            "id": str(new_snowflake()),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "channel_id": str(guild.channel_id),
            "channel": {
                "id": str(guild.channel_id),
                "type": 0,
                "guild_id": str(guild.id),
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            },
            "member": member,
            "token": f"tok{new_snowflake()}",
            "version": 1,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(ALL_TEXT_PERMISSIONS),
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
        }

    # --- REST ------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body = await _read_body(request)
        auth = request.headers.get("Authorization")
        public = auth is None and path.startswith(("/interactions/", "/webhooks/"))
        if auth != f"Bot {self.token}" and not public:
            response = _error(401, "401: Unauthorized", 0)
        else:
            response = self._route(request.method, path, body)
        self.requests.append(
            RecordedRequest(request.method, path, dict(request.query), body, response.status)
        )
        await self._notify()
        return response

    def _route(self, method: str, path: str, body: Any) -> web.Response:
        parts = path.strip("/").split("/")
        if method == "GET" and path == "/users/@me":
            return _json(self.bot_user)
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(self._application())
        if method == "GET" and path == "/gateway/bot":
            return _json(
                {
                    "url": "ws://127.0.0.1:9/not-the-override",
                    "shards": self.shard_count,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 1000,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            scope = parts[3] if len(parts) == 5 else "global"
            commands = [self._command(c, scope) for c in body or []]
            self.registered_commands[scope] = commands
            return _json(commands)
        if method == "POST" and path == "/users/@me/channels":
            recipient = int(body["recipient_id"])
            channel_id = next(
                (c for c, u in self.dm_channels.items() if u == recipient), new_snowflake()
            )
            self.dm_channels[channel_id] = recipient
            return _json(
                {
                    "id": str(channel_id),
                    "type": 1,
                    "last_message_id": None,
                    "recipients": [user_payload(recipient, f"user{recipient}")],
                }
            )
        if method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            channel_id = int(parts[1])
            recipient = self.dm_channels.get(channel_id)
            if recipient is not None and recipient in self.closed_dm_users:
                return _error(403, CLOSED_DMS["message"], CLOSED_DMS["code"])
            message = self._created_message(channel_id, body, self.bot_user)
            self.messages.setdefault(channel_id, []).append(message)
            return _json(message)
        if method == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            return _json(self._callback(parts[1], body))
        if parts[0] == "webhooks" and method in ("POST", "PATCH"):
            return _json(self._created_message(new_snowflake(), body, self.bot_user))
        return _error(404, "404: Not Found", 0)

    def dms_to(self, user_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent by DM to this user."""
        return [
            m for c, u in self.dm_channels.items() if u == user_id for m in self.messages.get(c, [])
        ]

    def channel_posts(self, guild: FakeGuild | None = None) -> list[dict[str, Any]]:
        """Messages the bot posted in any of the guild's text channels."""
        guild = guild or self.guild
        return [m for c in guild.channel_ids for m in self.messages.get(c, [])]

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": "Coachbot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_payload(new_snowflake(), "owner"),
            "verify_key": "0" * 64,
            "flags": 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED
        }

    def _command(self, command: dict[str, Any], scope: str) -> dict[str, Any]:
        result = dict(command)
        result.update(
            id=str(new_snowflake()),
            application_id=str(self.application_id),
            version=str(new_snowflake()),
        )
        result.setdefault("description", "")
        if scope != "global":
            result["guild_id"] = scope
        return result

    def _created_message(
        self, channel_id: int, body: Any, author: dict[str, Any]
    ) -> dict[str, Any]:
        body = body if isinstance(body, dict) else {}
        return {
            "id": str(new_snowflake()),
            "channel_id": str(channel_id),
            "author": author,
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
        }

    def _callback(self, interaction_id: str, body: Any) -> dict[str, Any]:
        kind = int(body.get("type", 0)) if isinstance(body, dict) else 0
        data = body.get("data") or {} if isinstance(body, dict) else {}
        flags = int(data.get("flags") or 0)
        result: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            }
        }
        if kind in (4, 5, 7):
            message = self._created_message(new_snowflake(), data, self.bot_user)
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        return result


def _json(data: Any, status: int = 200) -> web.Response:
    """JSON with exactly `application/json` as content type, which discord.py insists on."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _error(status: int, message: str, code: int) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


async def _read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        body: dict[str, Any] = {"_files": []}
        while (part := await reader.next()) is not None:
            if part.name == "payload_json":  # type: ignore[union-attr]
                body.update(json.loads(await part.text()))  # type: ignore[union-attr]
            else:
                body["_files"].append(
                    {
                        "name": part.name,  # type: ignore[union-attr]
                        "filename": part.filename,  # type: ignore[union-attr]
                        "size": len(await part.read()),  # type: ignore[union-attr]
                    }
                )
        return body
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")
