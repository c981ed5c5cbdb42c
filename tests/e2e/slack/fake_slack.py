"""A local stand-in for the Slack Web API (aiohttp) that records every call the app makes.

Used by the Slack end-to-end tests and `bench/slack_events.py`. Every Web API method is
served at `<url>/<method>` (the app reaches it through SLACK_API_URL); unknown methods answer
`{"ok": true}`. Also serves `response_url` hooks, file uploads and, run as a script, a
`GET /_calls` endpoint so another process can read what was recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
INSTALLED_TEAM_ID = "T0NEW"


@dataclass
class Call:
    """One recorded Web API call: method name, decoded parameters and the bearer token."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    """Form-encoded Web API calls carry blocks/view as JSON strings; decode them for tests."""
    for key in ("blocks", "view", "files", "attachments"):
        value = params.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


class FakeSlack:
    """The stand-in server. `url` is the SLACK_API_URL to give the app once started."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self._failures: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._next_id = 0
        self._sockets: list[web.WebSocketResponse] = []

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base(self) -> str:
        """http://host:port of the running server."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL (what SLACK_API_URL should be)."""
        return f"{self.base}/api/"

    def web_app(self) -> web.Application:
        """The aiohttp application serving the fake API."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._handle_api)
        app.router.add_get("/api/{method}", self._handle_api)
        app.router.add_post("/response/{hook}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_get("/_calls", self._handle_dump)
        return app

    async def start(self, port: int = 0) -> str:
        """Listen on a free (or given) port of `host`; returns the Web API base URL."""
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.url

    async def stop(self) -> None:
        """Stop listening."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- test controls ---------------------------------------------------------------------
    def add_user(self, user_id: str, *, admin: bool = False, owner: bool = False) -> None:
        """Make users.info know `user_id` with the given workspace rights."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "is_admin": admin,
            "is_owner": owner,
            "is_bot": False,
            "tz": "Europe/Berlin",
        }

    def fail(
        self, method: str, error: str = "internal_error", times: int = 1, status: int = 200,
        retry_after: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail (Slack error body or HTTP status)."""
        for _ in range(times):
            self._failures[method].append(
                {"error": error, "status": status, "retry_after": retry_after}
            )

    def calls_of(self, method: str) -> list[Call]:
        """Recorded calls of one method, oldest first."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, **match: Any
    ) -> list[Call]:
        """Wait until `count` calls of `method` (whose params include `match`) are recorded."""

        def matching() -> list[Call]:
            return [
                c
                for c in self.calls_of(method)
                if all(c.params.get(k) == v for k, v in match.items())
            ]

        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(matching()) >= count), timeout
            )
        return matching()

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    # -- handlers --------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method != "POST":
            return params
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        elif ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name:  # type: ignore[union-attr]
                    params[part.name] = (await part.read()).decode(  # type: ignore[union-attr]
                        "utf-8", "replace"
                    )
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return _decode_json_fields(params)

    def _new_id(self, prefix: str) -> str:
        self._next_id += 1
        return f"{prefix}{self._next_id:06d}"

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        await self._record(Call(method, params, token))
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            headers = {}
            if failure["retry_after"] is not None:
                headers["Retry-After"] = str(failure["retry_after"])
            if failure["status"] != 200:
                return web.json_response(
                    {"ok": False, "error": failure["error"]},
                    status=failure["status"],
                    headers=headers,
                )
            return web.json_response({"ok": False, "error": failure["error"]})
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://coach-test.slack.com/",
                "team": "Coach Test",
                "user": "coachbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method in ("chat.postEphemeral",):
            return {"ok": True, "message_ts": f"{time.time():.6f}"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": f"{time.time():.6f}"}
        if method == "views.publish":
            return {"ok": True, "view": {"id": self._new_id("V"), **(params.get("view") or {})}}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://{self.host}:{self.port}/socket"}
        if method == "users.info":
            user_id = str(params.get("user", ""))
            user = self.users.get(user_id)
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "X"))[1:]}}
        if method == "files.getUploadURLExternal":
            file_id = self._new_id("F")
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")}
                                          for f in files if isinstance(f, dict)]}
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "app_id": "A0APP",
                "authed_user": {"id": "U0INSTALLER"},
                "scope": "chat:write,commands",
                "token_type": "bot",
                "access_token": "xoxb-installed-token",
                "bot_user_id": "U0NEWBOT",
                "team": {"id": INSTALLED_TEAM_ID, "name": "New Team"},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        return {"ok": True}

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        params = _decode_json_fields(dict(await request.json()))
        params["hook"] = request.match_info["hook"]
        await self._record(Call("response_url", params, None))
        return web.Response(text="ok")

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            data = b""
            async for part in reader:
                data += await part.read()  # type: ignore[union-attr]
        else:
            data = await request.read()
        self.uploads[file_id] = data
        await self._record(Call("upload", {"file_id": file_id, "size": len(data)}, None))
        return web.Response(text="OK - uploaded")

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every envelope acknowledgement."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0APP"}})
        await self._record(Call("socket_connect", {}, None))
        async for frame in ws:
            if frame.type.name == "TEXT":
                await self._record(Call("socket_ack", json.loads(frame.data), None))
        if ws in self._sockets:
            self._sockets.remove(ws)
        return ws

    async def send_envelope(self, payload: dict[str, Any], kind: str = "events_api") -> str:
        """Push a Socket Mode envelope to the connected app; returns its envelope id."""
        envelope_id = self._new_id("env-")
        await self._sockets[-1].send_json({
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api", "retry_attempt": 0,
            "retry_reason": "",
        })
        return envelope_id

    async def _handle_dump(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = self.calls if method is None else self.calls_of(method)
        return web.json_response([{"method": c.method, "params": c.params} for c in calls])

    def response_url(self, hook: str = "hook") -> str:
        """A response_url that points back at this server."""
        return f"{self.base}/response/{hook}"


async def _serve(port: int) -> None:
    fake = FakeSlack()
    await fake.start(port)
    print(f"READY {fake.url}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """Run the stand-in on its own (used by the benchmark): prints 'READY <url>'."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
