"""The Slack app: async Bolt on aiohttp, translating Slack events to the Coach and back."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.config import SlackConfig, SlackConfigError, load_config
from bot.adapters.slack.digests import DigestPoster
from bot.adapters.slack.handlers import (
    AdminCache,
    CoachFacade,
    message_from_event,
    should_coach,
)
from bot.adapters.slack.oauth import ThreadedInstallationStore, build_oauth_settings, build_stores
from bot.adapters.slack.worker import ProcessWorker
from bot.coaching.models import ACTION_PREFIX, CommandContext, Nudge, Response
from bot.core.models import Message

log = structlog.get_logger("coachbot.slack")

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
# Answer /coach inline when the Coach is this quick; otherwise ack and use response_url.
INLINE_ANSWER_SECONDS = 2.0
SHUTDOWN_GRACE_SECONDS = 10.0
DIGEST_INTERVAL_SECONDS = 60.0
# Messages acknowledged but not yet analysed; beyond this, new ones are not coached.
MAX_BACKLOG = 20000

EVENTS = Counter(
    "coachbot_slack_requests_total", "Slack requests handled, by kind.", ["kind"]
)
DELIVERIES = Counter(
    "coachbot_slack_nudges_delivered_total", "Nudges delivered with chat.postEphemeral."
)
PROCESSED = Counter(
    "coachbot_slack_messages_processed_total",
    "Message events the Coach has finished with (after the ack), including duplicates.",
)
DELIVERY_FAILURES = Counter(
    "coachbot_slack_delivery_failures_total",
    "Slack Web API deliveries (nudges, replies, home views, digests) that failed.",
    ["what", "error"],
)


def slack_error(exc: BaseException) -> str:
    """A short, text-free name for a failed Web API call (Slack's error code or the type)."""
    response = getattr(exc, "response", None)
    if response is not None:
        with contextlib.suppress(Exception):
            return str(response["error"])
    return type(exc).__name__


_SORRY = Response(title="Sorry, that did not work. Please try again.", error=True)


def _has_extras(response: Response) -> bool:
    return response.attachment is not None or (
        response.data is not None and not blocks.data_fits_inline(response.data)
    )


def build_client(config: SlackConfig) -> AsyncWebClient:
    """The app's Web API client: SLACK_API_URL, retries on rate limits and connection errors."""
    return AsyncWebClient(
        token=config.bot_token,
        base_url=config.api_url,
        timeout=10,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlackCoachApp:
    """The Bolt app, its listeners and the aiohttp application serving it.

    Listeners acknowledge first; message analysis (Coach.process, synchronous) runs afterwards
    in the worker process (`coachbot run slack`) or in threads, and the other Coach calls in
    threads; results go out through the Web API. `idle()` waits for that background work.
    """

    def __init__(
        self,
        config: SlackConfig,
        coach: CoachFacade,
        *,
        database_engine: Any = None,
        worker: ProcessWorker | None = None,
    ) -> None:
        self.config = config
        self.coach = coach
        self.worker = worker
        self._backlog = 0
        self._skipped = 0
        self.client = build_client(config)
        self.installation_store: ThreadedInstallationStore | None = None
        oauth_settings = None
        if config.oauth:
            if database_engine is None:
                raise ValueError("OAuth installs need a database engine for installations")
            assert config.client_id is not None
            self.installation_store, state_store = build_stores(database_engine, config.client_id)
            oauth_settings = build_oauth_settings(config, self.installation_store, state_store)
        bolt_logger = logging.getLogger("coachbot.slack.bolt")
        quiet = bolt_logger.level
        # Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it does.
        bolt_logger.setLevel(logging.ERROR)
        self.bolt = AsyncApp(
            name="coachbot",
            # Listeners ack first and hand slow work to spawn(), so responses stay fast
            # and background work is tracked (idle(), graceful shutdown).
            process_before_response=True,
            signing_secret=config.signing_secret,
            client=self.client,
            installation_store=self.installation_store,
            installation_store_bot_only=True if config.oauth else None,
            oauth_settings=oauth_settings,
            logger=bolt_logger,
        )
        bolt_logger.setLevel(quiet)
        self.admins = AdminCache()
        self.ready = False
        self.background: set[asyncio.Future[Any]] = set()
        self._work: set[asyncio.Future[Any]] = set()
        self._idle_event: asyncio.Event | None = None
        self._digest_task: asyncio.Future[None] | None = None
        # Post due digests every minute from startup; off only where something else drives
        # `digests.run_once` with its own clock (the end-to-end tests).
        self.digest_loop_enabled = True
        self._socket_handler: Any = None
        self.digests = DigestPoster.create(self)
        self._register_listeners()

    # -- background work (after the ack) ---------------------------------------------------
    def _idle_flag(self) -> asyncio.Event:
        if self._idle_event is None:
            self._idle_event = asyncio.Event()
            self._idle_event.set()
        return self._idle_event

    def spawn(self, work: Awaitable[Any]) -> None:
        """Run `work` after the acknowledgement; tracked so `idle()` and shutdown can wait."""
        task = asyncio.ensure_future(work)
        self._work.add(task)
        self._idle_flag().clear()
        task.add_done_callback(self._work_done)

    def _work_done(self, task: asyncio.Future[Any]) -> None:
        self._work.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack.background_failed", error=type(task.exception()).__name__)
        if not self._work:
            self._idle_flag().set()

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until no acknowledged request is still being worked on."""
        await asyncio.wait_for(self._idle_flag().wait(), timeout)

    # -- listeners ---------------------------------------------------------------------------
    def _register_listeners(self) -> None:
        app = self.bolt
        app.event("message")(self._on_message)
        app.event("app_home_opened")(self._on_home_opened)
        app.event("user_change")(self._on_user_change)
        app.command("/coach")(self._on_coach_command)
        app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self._on_coach_action)
        if self.installation_store is not None:
            app.enable_token_revocation_listeners()
        else:
            app.event("tokens_revoked")(self._on_revoked)
            app.event("app_uninstalled")(self._on_revoked)
        # Catch-alls: every validly signed request gets a quiet 2xx, never Bolt's 404.
        everything = re.compile(".*")
        app.event(everything)(self._on_ignored)
        app.command(everything)(self._on_ignored)
        app.action(everything)(self._on_ignored)
        app.shortcut(everything)(self._on_ignored)
        app.view(everything)(self._on_ignored)
        app.options(everything)(self._on_ignored_options)

    async def _on_ignored(self, ack: Callable[..., Awaitable[Any]]) -> None:
        await ack()
        EVENTS.labels(kind="ignored").inc()

    async def _on_ignored_options(self, ack: Callable[..., Awaitable[Any]]) -> None:
        await ack(options=[])

    async def _on_revoked(
        self, ack: Callable[..., Awaitable[Any]], event: dict[str, Any], body: dict[str, Any]
    ) -> None:
        await ack()
        # (Not `event=`: structlog's own first argument is named so.)
        log.info("slack.install_revoked", kind=event.get("type"), team=body.get("team_id"))

    async def _on_user_change(
        self, ack: Callable[..., Awaitable[Any]], event: dict[str, Any], body: dict[str, Any]
    ) -> None:
        await ack()
        user = event.get("user") or {}
        self.admins.forget(str(body.get("team_id") or user.get("team_id") or ""),
                           str(user.get("id", "")))

    async def _on_message(
        self, ack: Callable[..., Awaitable[Any]], event: dict[str, Any], body: dict[str, Any],
        context: AsyncBoltContext, client: AsyncWebClient,
    ) -> None:
        await ack()
        if not should_coach(event, context.bot_user_id):
            EVENTS.labels(kind="message_ignored").inc()
            return
        EVENTS.labels(kind="message").inc()
        if self._backlog >= MAX_BACKLOG:  # overloaded: skip coaching rather than run out of memory
            EVENTS.labels(kind="message_skipped_overload").inc()
            self._skipped += 1
            if self._skipped % 1000 == 1:
                log.warning("slack.overloaded", backlog=self._backlog, skipped=self._skipped)
            return
        workspace = str(body.get("team_id") or context.team_id or event.get("team") or "")
        message = message_from_event(event, workspace)
        self._backlog += 1
        self.spawn(self._coach_message(client, message, body.get("event_id")))

    async def _coach_message(
        self, client: AsyncWebClient, message: Message, event_id: str | None
    ) -> None:
        try:
            if self.worker is not None:
                nudges = await self.worker.process(message, event_id)
            else:
                nudges = await asyncio.to_thread(self.coach.process, message, event_id)
        except Exception as exc:  # noqa: BLE001 - logged without text, never raised
            log.error("slack.process_failed", error=type(exc).__name__, channel=message.channel)
            nudges = []
        finally:
            self._backlog -= 1
        for nudge in nudges:
            await self.deliver_nudge(client, nudge)
        PROCESSED.inc()

    async def deliver_nudge(self, client: AsyncWebClient, nudge: Nudge) -> bool:
        """Send one nudge privately (chat.postEphemeral); log and count a failure, never raise."""
        error: str | None = None
        try:
            kwargs: dict[str, Any] = {}
            if nudge.thread:
                kwargs["thread_ts"] = nudge.thread
            await client.chat_postEphemeral(
                channel=nudge.channel,
                user=nudge.user,
                text=blocks.nudge_text(nudge),
                blocks=blocks.nudge_blocks(nudge),
                **kwargs,
            )
        except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
            error = slack_error(exc)
            DELIVERY_FAILURES.labels(what="nudge", error=error).inc()
            log.warning(
                "slack.nudge_delivery_failed",
                nudge_id=nudge.id, channel=nudge.channel, error=error,
            )
        else:
            DELIVERIES.inc()
        try:
            if self.worker is not None:
                await self.worker.record_delivery(nudge.id, error is None, error)
            else:
                await asyncio.to_thread(
                    self.coach.record_delivery, nudge.id, error is None, error
                )
        except Exception as exc:  # noqa: BLE001 - logged without text, never raised
            log.error("slack.record_delivery_failed", error=type(exc).__name__, nudge_id=nudge.id)
        return error is None

    async def command_context(
        self, client: AsyncWebClient, workspace: str, user: str, channel: str | None
    ) -> CommandContext:
        """Who is asking: admin rights and time zone from users.info (cached)."""
        profile = await self.admins.lookup(client, workspace, user)
        return CommandContext(
            platform=PLATFORM,
            workspace=workspace,
            user=user,
            channel=channel,
            is_admin=profile.is_admin,
            timezone=profile.timezone,
        )

    async def _on_coach_command(
        self, ack: Callable[..., Awaitable[Any]], command: dict[str, Any],
        client: AsyncWebClient, respond: Callable[..., Awaitable[Any]],
        context: AsyncBoltContext,
    ) -> None:
        EVENTS.labels(kind="command").inc()
        workspace = str(command.get("team_id") or context.team_id or "")
        user = str(command.get("user_id", ""))
        channel = command.get("channel_id")
        text = str(command.get("text") or "")

        async def answer() -> tuple[CommandContext, Response]:
            try:
                ctx = await self.command_context(client, workspace, user, channel)
                return ctx, await asyncio.to_thread(self.coach.command, ctx, text)
            except Exception as exc:  # noqa: BLE001 - logged without text, never raised
                log.error("slack.command_failed", error=type(exc).__name__, team=workspace)
                ctx = CommandContext(platform=PLATFORM, workspace=workspace, user=user,
                                     channel=channel)
                return ctx, _SORRY

        task = asyncio.ensure_future(answer())
        done, _ = await asyncio.wait({task}, timeout=INLINE_ANSWER_SECONDS)
        if done:
            ctx, response = task.result()
            await ack(**self._reply_payload(response))
            if _has_extras(response):
                self.spawn(self._send_extras(client, ctx, response))
            return
        await ack(response_type="ephemeral", text="Working on it…")

        async def answer_late() -> None:
            ctx, response = await task
            await self._respond(respond, self._reply_payload(response))
            await self._send_extras(client, ctx, response)

        self.spawn(answer_late())

    @staticmethod
    def _reply_payload(response: Response, replace: bool = False) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "response_type": "in_channel" if response.public else "ephemeral",
            "text": blocks.response_text(response),
            "blocks": blocks.response_blocks(response),
        }
        if replace:
            payload["replace_original"] = True
        return payload

    async def _respond(
        self, respond: Callable[..., Awaitable[Any]], payload: dict[str, Any]
    ) -> None:
        try:
            await respond(**payload)
        except Exception as exc:  # noqa: BLE001
            error = slack_error(exc)
            DELIVERY_FAILURES.labels(what="reply", error=error).inc()
            log.warning("slack.reply_failed", error=error)

    async def _send_extras(
        self, client: AsyncWebClient, ctx: CommandContext, response: Response
    ) -> None:
        """Files that do not fit in blocks: a chart image, or a JSON export too big to inline."""
        files: list[tuple[str, bytes]] = []
        if response.attachment is not None:
            files.append(response.attachment)
        if response.data is not None and not blocks.data_fits_inline(response.data):
            rendered = json.dumps(response.data, indent=2, sort_keys=True, default=str)
            files.append(("coachbot-data.json", rendered.encode()))
        for filename, content in files:
            try:
                if response.public and ctx.channel:
                    channel = ctx.channel
                else:  # private: into the person's direct messages with the app
                    opened = await client.conversations_open(users=ctx.user)
                    channel = opened["channel"]["id"]
                await client.files_upload_v2(
                    channel=channel, filename=filename, content=content, title=response.title
                )
            except Exception as exc:  # noqa: BLE001
                error = slack_error(exc)
                DELIVERY_FAILURES.labels(what="file", error=error).inc()
                log.warning("slack.file_upload_failed", error=error)

    async def _on_coach_action(
        self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], action: dict[str, Any],
        client: AsyncWebClient, respond: Callable[..., Awaitable[Any]],
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        EVENTS.labels(kind="action").inc()
        workspace = str((body.get("team") or {}).get("id") or context.team_id or "")
        user = str((body.get("user") or {}).get("id", ""))
        channel = (body.get("channel") or {}).get("id")
        from_home = (body.get("view") or {}).get("type") == "home"
        action_id = str(action.get("action_id", ""))
        value = str(action.get("value") or "")

        async def work() -> None:
            try:
                ctx = await self.command_context(client, workspace, user, channel)
                response = await asyncio.to_thread(self.coach.action, ctx, action_id, value)
            except Exception as exc:  # noqa: BLE001 - logged without text, never raised
                log.error("slack.action_failed", error=type(exc).__name__, team=workspace)
                response = _SORRY
                ctx = CommandContext(platform=PLATFORM, workspace=workspace, user=user,
                                     channel=channel)
            if from_home:
                await self.publish_home(client, ctx)
            elif body.get("response_url"):
                await self._respond(respond, self._reply_payload(response, replace=True))
            await self._send_extras(client, ctx, response)

        self.spawn(work())

    async def _on_home_opened(
        self, ack: Callable[..., Awaitable[Any]], event: dict[str, Any], body: dict[str, Any],
        client: AsyncWebClient, context: AsyncBoltContext,
    ) -> None:
        await ack()
        if event.get("tab", "home") != "home":
            return
        EVENTS.labels(kind="home").inc()
        workspace = str(body.get("team_id") or context.team_id or "")
        user = str(event.get("user", ""))

        async def work() -> None:
            ctx = await self.command_context(client, workspace, user, None)
            await self.publish_home(client, ctx)

        self.spawn(work())

    async def publish_home(self, client: AsyncWebClient, ctx: CommandContext) -> bool:
        """Render Coach.home() for this person and views.publish it; never raises."""
        try:
            response = await asyncio.to_thread(self.coach.home, ctx)
            await client.views_publish(user_id=ctx.user, view=blocks.home_view(response))
        except Exception as exc:  # noqa: BLE001
            error = slack_error(exc)
            DELIVERY_FAILURES.labels(what="home", error=error).inc()
            log.warning("slack.home_publish_failed", error=error)
            return False
        return True

    # -- HTTP --------------------------------------------------------------------------------
    async def handle_events(self, request: web.Request) -> web.Response:
        """POST /slack/events: events, slash commands and interactivity through Bolt.

        A request Bolt cannot take (a timestamp that is no integer, a malformed body) gets 401
        when its signature does not hold and 200 when it does (Slack wants every signed request
        acknowledged; there is nothing in it to act on), never a 500.
        """
        try:
            bolt_request: AsyncBoltRequest = await to_bolt_request(request)
            bolt_response = await self.bolt.async_dispatch(bolt_request)
        except Exception as exc:  # noqa: BLE001 - the type is logged, never the request
            return await self._refused(request, type(exc).__name__)
        if bolt_response.status == 404:  # signed but unhandled: acknowledge quietly
            return web.Response(status=200)
        if bolt_response.status >= 500:  # Bolt could not take it (it logs only the type)
            return await self._refused(request, f"bolt {bolt_response.status}")
        return await to_aiohttp_response(bolt_response)

    async def _refused(self, request: web.Request, error: str) -> web.Response:
        """The answer to a request Bolt failed on: 200 when it is signed (nothing to act on,
        and Slack would only send it again), 401 when it is not."""
        body = await request.text()
        try:
            signed = SignatureVerifier(self.config.signing_secret).is_valid_request(
                body, dict(request.headers)
            )
        except ValueError:  # a timestamp that is no integer: no valid signature
            signed = False
        log.warning("slack.request_refused", error=error, signed=signed)
        return web.Response(status=200 if signed else 401)

    async def handle_oauth(self, request: web.Request) -> web.Response:
        """GET /slack/install and /slack/oauth_redirect: the OAuth install flow."""
        flow = self.bolt.oauth_flow
        if flow is None:
            return web.Response(status=404)
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            bolt_response = await flow.handle_installation(bolt_request)
        else:
            bolt_response = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def handle_healthz(self, request: web.Request) -> web.Response:
        """GET /healthz: 200 once ready to serve, 503 before."""
        if self.ready:
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "starting"}, status=503)

    async def handle_metrics(self, request: web.Request) -> web.Response:
        """GET /metrics: Prometheus counters (no message text, ever)."""
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    def web_app(self) -> web.Application:
        """The aiohttp application: Slack endpoints, health and metrics."""
        application = web.Application()
        application.router.add_post(EVENTS_PATH, self.handle_events)
        application.router.add_get("/healthz", self.handle_healthz)
        application.router.add_get("/metrics", self.handle_metrics)
        if self.bolt.oauth_flow is not None:
            application.router.add_get(self.bolt.oauth_flow.install_path, self.handle_oauth)
            application.router.add_get(self.bolt.oauth_flow.redirect_uri_path, self.handle_oauth)
        application.on_startup.append(self._on_startup)
        application.on_shutdown.append(self._on_shutdown)
        return application

    async def _on_startup(self, _application: web.Application) -> None:
        # One pooled HTTP session for all Web API calls (Bolt's per-request clients share it);
        # without it slack_sdk opens a new connection per call.
        self.client.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.client.timeout)
        )
        if self.worker is not None:
            await self.worker.start()
        if self.config.socket_mode:
            self._socket_handler = _start_socket_mode(self)
        if self.digest_loop_enabled:
            self._digest_task = asyncio.ensure_future(self._digest_loop())
        # The rules, indexes and SQLAlchemy metadata loaded so far live as long as the process;
        # keep them out of the garbage collector's full passes (one took >100 ms, stalling acks).
        gc.collect()
        gc.freeze()
        self.ready = True

    async def _on_shutdown(self, _application: web.Application) -> None:
        self.ready = False
        if self._digest_task is not None:
            self.background.add(self._digest_task)
        for task in self.background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.background.clear()
        if self._socket_handler is not None:
            with contextlib.suppress(Exception):
                await self._socket_handler.close_async()
        with contextlib.suppress(TimeoutError):
            await self.idle(SHUTDOWN_GRACE_SECONDS)
        if self.worker is not None:
            await self.worker.close()
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    # -- digests -----------------------------------------------------------------------------
    async def _digest_loop(self) -> None:
        """Every minute, post the weekly digests that are due (claims make replicas safe)."""
        if self.digests is None:
            return
        while True:
            await self.digests.run_once()
            await asyncio.sleep(DIGEST_INTERVAL_SECONDS)

    async def client_for(self, workspace: str) -> AsyncWebClient | None:
        """A Web API client with the workspace's bot token (None when not installed there)."""
        if self.installation_store is None:
            return self.client
        bot = await self.installation_store.async_find_bot(enterprise_id=None, team_id=workspace)
        if bot is None:
            return None
        client = build_client(self.config)
        client.token = bot.bot_token
        client.session = self.client.session
        return client


def _start_socket_mode(app: SlackCoachApp) -> Any:
    """Connect over Socket Mode in the background, retrying until Slack answers."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app.bolt, app_token=app.config.app_token,
                                     web_client=app.client)

    async def connect() -> None:
        delay = 1.0
        while True:
            try:
                await handler.connect_async()
                log.info("slack.socket_mode_connected")
                return
            except Exception as exc:  # noqa: BLE001
                log.warning("slack.socket_mode_connect_failed",
                            error=slack_error(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    app.background.add(asyncio.ensure_future(connect()))
    return handler


def create_app(config: SlackConfig, coach: Any = None, *, worker: bool = False) -> SlackCoachApp:
    """Build the app for `config`, creating the Coach (and migrating the database) if needed.

    OAuth installations and states live in the Coach's database (slack_sdk's tables).
    `worker` runs message analysis in a separate process (what `coachbot run slack` does).
    """
    if coach is None:
        from bot.coaching.coach import Coach

        coach = Coach.create(database_url=config.database_url)
    engine = coach.store.engine if config.oauth else None
    process_worker = ProcessWorker(config.database_url) if worker else None
    return SlackCoachApp(config, coach, database_engine=engine, worker=process_worker)


class LibraryLogFilter(logging.Filter):
    """Keeps message text out of library log records (Coachbot's own logs go through structlog).

    The Slack and HTTP libraries' messages can quote a request or an exception about it
    ("Failed to run listener function (error: ...)"), so for them only the logger, the level
    and the exception's type are kept; no library traceback is printed at all (an exception's
    message can quote the text it failed on).
    """

    QUOTING = ("slack_bolt", "slack_sdk", "coachbot.slack.bolt", "aiohttp")

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else None
        if record.name.startswith(self.QUOTING):
            record.msg = "details withheld: they may quote a message"
            record.args = ()
        if kind is not None:
            record.msg = f"{record.msg} ({kind})"
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(LibraryLogFilter())
    # Bolt and slack_sdk log payloads at DEBUG; keep them quiet so no message text is logged.
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("coachbot.slack.bolt").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def main(port: int | None = None) -> int:
    """`coachbot run slack`: validate config (exit 2 if bad), then serve until stopped."""
    try:
        config = load_config(port=port)
    except SlackConfigError as exc:
        print(f"coachbot run slack: configuration error: {exc}", file=sys.stderr)
        return 2
    _configure_logging()
    started = time.monotonic()
    try:
        app = create_app(config, worker=True)
    except Exception as exc:  # noqa: BLE001 - a clear message, not a traceback
        print(f"coachbot run slack: could not start: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    log.info(
        "slack.starting",
        port=config.port,
        oauth=config.oauth,
        socket_mode=config.socket_mode,
        startup_s=round(time.monotonic() - started, 3),
    )
    try:
        web.run_app(app.web_app(), host="0.0.0.0", port=config.port, print=None,
                    access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
    except OSError as exc:  # e.g. the port is taken
        print(f"coachbot run slack: cannot listen on port {config.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - e.g. the analysis worker could not start
        print(f"coachbot run slack: could not start: {type(exc).__name__}", file=sys.stderr)
        return 1
    return 0
