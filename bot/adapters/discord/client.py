"""The Discord bot: gateway client, private DM nudges, `/coach` commands; `main()` runs it."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import structlog
import yarl
from discord import app_commands
from discord.ext import tasks

from bot.adapters.discord import metrics
from bot.adapters.discord.commands import PLATFORM, CoachCommands, build_coach_group
from bot.adapters.discord.config import ConfigError, DiscordConfig
from bot.adapters.discord.delivery import CANNOT_SEND_TO_USER, NudgeDelivery
from bot.adapters.discord.embeds import render_response
from bot.adapters.discord.views import CoachButton
from bot.coaching.models import Nudge, Response
from bot.core.models import Message

PostFn = Callable[[str, str, Response], "str | None"]

log = structlog.get_logger("coachbot.discord")

# What the bot needs in a server (see README): View Channels (receive messages), and for the
# weekly digest Send Messages, Embed Links and Attach Files (the chart). DMs need none.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
)
INVITE_SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int) -> str:
    """The OAuth2 invite URL with exactly the permissions Coachbot needs."""
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES
    )


DIGEST_INTERVAL_SECONDS = 60.0
# Threads that run Coach.process: the engine is CPU-bound, the store waits on the database;
# bench/discord_gateway.py measured 8 better than 1, 2 or 4 on this project's 2-core machine.
PROCESS_WORKERS = 8
# At most this many already-queued messages of one channel go to `Coach.process_batch` at once
# (one write transaction); nothing waits to fill a batch.
BATCH_MAX = 64

# Discord system messages that are still "default"/"reply" typed are people's messages; the rest
# (joins, pins, boosts, thread starters...) are not.
_PEOPLE_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def coachbot_intents() -> discord.Intents:
    """Guilds, guild messages, DM messages and (privileged) message content; nothing else."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    return intents


def apply_endpoint_overrides(config: DiscordConfig) -> None:
    """Point discord.py at DISCORD_API_BASE / DISCORD_GATEWAY_URL; unset ones keep defaults."""
    if config.api_base is not None:
        discord.http.Route.BASE = config.api_base
    if config.gateway_url is not None:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def to_message(message: discord.Message) -> Message:
    """Translate a Discord guild message into the neutral Message (threads keep their parent;
    a reply mentions the author it replies to)."""
    channel = message.channel
    thread: str | None = None
    channel_id = str(channel.id)
    if isinstance(channel, discord.Thread):
        thread = str(channel.id)
        channel_id = str(channel.parent_id) if channel.parent_id else channel_id
    return Message(
        platform=PLATFORM,
        workspace=str(message.guild.id) if message.guild else "",
        channel=channel_id,
        user=str(message.author.id),
        text=message.content,
        ts=message.created_at.timestamp(),
        thread=thread,
        is_bot=message.author.bot,
        mentions=_mentions(message),
        id=str(message.id),
    )


def _mentions(message: discord.Message) -> tuple[str, ...]:
    """The ids of the people a message mentions, and of the author it replies to (a reply
    answers that person even when it does not ping them)."""
    mentions = tuple(str(user.id) for user in message.mentions)
    reference = message.reference
    if reference is not None and isinstance(reference.resolved, discord.Message):
        replied = str(reference.resolved.author.id)
        if replied not in mentions:
            mentions += (replied,)
    return mentions


def _snowflake(value: str) -> bool:
    """Whether a stored id can be a Discord id (ASCII digits that fit 64 bits)."""
    return value.isascii() and value.isdigit() and len(value) <= 20


def is_person_message(message: discord.Message) -> bool:
    """True for a human's own guild message; bots, webhooks and system messages are not."""
    return (
        message.guild is not None
        and not message.author.bot
        and message.webhook_id is None
        and message.type in _PEOPLE_MESSAGE_TYPES
        and not message.author.system
    )


class KeyedOrder:
    """Lets work for one key run one at a time, in arrival order; other keys run in parallel.

    asyncio.Lock wakes its waiters first-in first-out, so turns follow the order in which
    `turn` was entered; a key's lock is dropped once nobody holds or waits for it.
    """

    def __init__(self) -> None:
        self._locks: dict[tuple[str, ...], tuple[asyncio.Lock, list[int]]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @contextlib.asynccontextmanager
    async def turn(self, key: tuple[str, ...]) -> AsyncIterator[None]:
        """Wait for this key's earlier holders, then hold it for the block."""
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = (asyncio.Lock(), [0])
        lock, users = entry
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]


BatchFn = Callable[[list[tuple[Message, "str | None"]]], list[list[Nudge]]]
SingleFn = Callable[[Message, "str | None"], list[Nudge]]


class ChannelBatcher:
    """Coaches each channel's messages in arrival order, a batch of what is queued at a time.

    `submit` queues a message under its channel; one drain task per busy channel takes up to
    `max_batch` messages already queued (never waiting for more) and hands them to
    `run_batch` on the executor. Channels drain in parallel. If a batch fails (nothing of it
    was written), its messages are retried one by one with `run_one`, so only a message that
    fails by itself reports a failure.
    """

    def __init__(
        self,
        run_batch: BatchFn,
        run_one: SingleFn,
        executor: concurrent.futures.Executor,
        max_batch: int = BATCH_MAX,
    ) -> None:
        self._run_batch = run_batch
        self._run_one = run_one
        self._executor = executor
        self.max_batch = max_batch
        self._queues: dict[tuple[str, ...], collections.deque[_Queued]] = {}
        self._drains: set[asyncio.Task[None]] = set()
        self.batch_sizes: collections.Counter[int] = collections.Counter()

    def __len__(self) -> int:
        return len(self._queues)

    async def submit(
        self, key: tuple[str, ...], message: Message, event_id: str | None
    ) -> list[Nudge]:
        """Queue a message for its channel and wait for its nudges (or its error)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[list[Nudge]] = loop.create_future()
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = collections.deque()
            task = asyncio.create_task(self._drain(key, queue))
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        queue.append(_Queued(message, event_id, done))
        return await done

    async def _drain(self, key: tuple[str, ...], queue: collections.deque[_Queued]) -> None:
        loop = asyncio.get_running_loop()
        batch: list[_Queued] = []
        try:
            while queue:
                batch = [queue.popleft() for _ in range(min(len(queue), self.max_batch))]
                self.batch_sizes[len(batch)] += 1
                items = [(q.message, q.event_id) for q in batch]
                try:
                    results = await loop.run_in_executor(self._executor, self._run_batch, items)
                except Exception:
                    await self._one_by_one(batch)
                else:
                    for queued, nudges in zip(batch, results, strict=True):
                        if not queued.done.done():
                            queued.done.set_result(nudges)
                batch = []
        finally:
            # Only this task touches the queue between awaits: once it is empty, it is gone.
            del self._queues[key]
            for queued in [*batch, *queue]:  # cancelled (the client is closing)
                queued.done.cancel()

    async def _one_by_one(self, batch: list[_Queued]) -> None:
        loop = asyncio.get_running_loop()
        for queued in batch:
            try:
                nudges = await loop.run_in_executor(
                    self._executor, self._run_one, queued.message, queued.event_id
                )
            except Exception as exc:
                if not queued.done.done():
                    queued.done.set_exception(exc)
            else:
                if not queued.done.done():
                    queued.done.set_result(nudges)


@dataclass(frozen=True, slots=True)
class _Queued:
    message: Message
    event_id: str | None
    done: asyncio.Future[list[Nudge]]


class CoachbotClient(discord.AutoShardedClient):
    """Coachbot on Discord: nudges by DM, `/coach` commands, persistent buttons, digests."""

    def __init__(self, config: DiscordConfig, coach: Any, **options: Any) -> None:
        options.setdefault("intents", coachbot_intents())
        if config.shard_ids is not None:
            options["shard_ids"] = list(config.shard_ids)
        super().__init__(shard_count=config.shard_count, **options)
        self.config = config
        self.coach = coach
        self.delivery = NudgeDelivery(coach)
        self.commands = CoachCommands(coach, self.delivery)
        self.tree: app_commands.CommandTree[CoachbotClient] = app_commands.CommandTree(self)
        self.tree.add_command(build_coach_group(self.commands))
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.digest_runner: DigestRunner | None = None
        # Messages are coached on their own worker threads, so a burst of messages never
        # delays `/coach` answers, which must come within 3 s (those use the default executor).
        self._process_pool = ThreadPoolExecutor(
            max_workers=PROCESS_WORKERS, thread_name_prefix="coachbot-discord"
        )
        self.batcher = ChannelBatcher(
            self._coach_batch, self.coach.process, self._process_pool, BATCH_MAX
        )
        self.on_message_handled: Callable[[discord.Message], None] | None = None
        self._count_rest_failures()

    # --- lifecycle -------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Register persistent buttons and sync `/coach` (per dev guild, else globally)."""
        self.add_dynamic_items(CoachButton)
        try:
            if self.config.dev_guild is not None:
                guild = discord.Object(id=self.config.dev_guild)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            else:
                await self.tree.sync()
        except discord.HTTPException as exc:
            log.error("command_sync_failed", status=exc.status, code=exc.code)
        self.digest_runner = DigestRunner.create(self)
        if self.digest_runner is not None:
            self.digest_runner.start()

    async def on_ready(self) -> None:
        """Log that the gateway is ready (commands were synced in setup_hook, not here)."""
        log.info(
            "discord_ready",
            guilds=len(self.guilds),
            shards=sorted(self.shards),
            shard_count=self.shard_count,
            invite_url=invite_url(self.application_id) if self.application_id else None,
        )

    async def close(self) -> None:
        """Stop the digest loop, then disconnect."""
        if self.digest_runner is not None:
            self.digest_runner.stop()
        await super().close()
        self._process_pool.shutdown(wait=False, cancel_futures=True)

    async def launch_shards(self) -> None:
        """Honour DISCORD_GATEWAY_URL under automatic sharding too.

        discord.py takes the URL from `/gateway/bot` when it asks how many shards to run; with
        an override we only take the shard count from there and connect to the override.
        """
        if self.shard_count is None and self.config.gateway_url is not None:
            self.shard_count, _url, _limits = await self.http.get_bot_gateway()
        await super().launch_shards()

    # --- messages --------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Coach a person's guild message: nudges go to the author by DM, never the channel."""
        try:
            if not is_person_message(message):
                metrics.MESSAGES_IGNORED.inc()
                return
            neutral = to_message(message)
            try:
                # One channel's messages are coached in arrival order (the engine keeps
                # conversation windows per channel), in batches of what is already queued
                # (one database transaction each); different channels run in parallel.
                nudges = await self.batcher.submit(
                    (neutral.workspace, neutral.channel), neutral, str(message.id)
                )
            except Exception as exc:
                # No traceback: an exception's text could quote the message, which never
                # reaches the logs.
                metrics.MESSAGES_FAILED.inc()
                log.error("coach_process_failed", message_id=message.id, error=type(exc).__name__)
                return
            metrics.MESSAGES_PROCESSED.inc()
            for nudge in nudges:
                await self.delivery.deliver(message.author, nudge, jump_url=message.jump_url)
        finally:
            if self.on_message_handled is not None:
                self.on_message_handled(message)

    def _coach_batch(self, items: list[tuple[Message, str | None]]) -> list[list[Nudge]]:
        """`Coach.process_batch`, or `process` per item for a coach without batches."""
        batch = getattr(self.coach, "process_batch", None)
        if batch is None:
            return [self.coach.process(message, event_id) for message, event_id in items]
        return batch(items)  # type: ignore[no-any-return]

    async def handle_action(
        self, interaction: discord.Interaction[Any], action_id: str, value: str
    ) -> None:
        """A coaching button was clicked (in a DM or a command reply)."""
        await self.commands.action(interaction, action_id, value)

    async def _on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Log a failed `/coach` (no text) and still give the person a private answer: a usage
        note for a subcommand this version does not have (a client with a stale command list),
        else an apology."""
        original = getattr(error, "original", error)
        unknown = isinstance(original, app_commands.CommandNotFound)
        (log.warning if unknown else log.error)(
            "app_command_error",
            command=_command_name(interaction),
            error=type(original).__name__,
        )
        if interaction.response.is_done():
            return
        text = (
            "That /coach command does not exist (any more). `/coach help` lists the commands."
            if unknown
            else "Coachbot could not answer that right now. Please try again in a moment."
        )
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.send_message(text, ephemeral=True)

    # --- REST failure accounting -----------------------------------------------------------

    def _count_rest_failures(self) -> None:
        """Wrap discord.py's REST calls so every failure is logged (no text) and counted."""
        request = self.http.request

        async def counted_request(route: discord.http.Route, **kwargs: Any) -> Any:
            try:
                return await request(route, **kwargs)
            except discord.HTTPException as exc:
                metrics.REST_FAILURES.labels(
                    method=route.method, route=route.path, status=str(exc.status)
                ).inc()
                log.warning(
                    "discord_rest_failed",
                    method=route.method,
                    route=route.path,
                    status=exc.status,
                    code=exc.code,
                )
                raise

        self.http.request = counted_request  # type: ignore[method-assign]


def _command_name(interaction: discord.Interaction[Any]) -> str | None:
    command = interaction.command
    return command.qualified_name if command is not None else None


class NotOnThisProcess(LookupError):
    """The digest's server is served by another process (another shard set): not posted here."""


class DigestRunner:
    """Runs the weekly digest scheduler every minute and posts embeds with the chart attached.

    Uses `bot.digest.schedule.DigestScheduler(coach).run_due(now, "discord", post_channel,
    post_personal)`: the scheduler claims each due digest once across replicas, then calls the
    post functions (synchronously, from a worker thread), which hand the posting to the event
    loop. Channel digests go to the server's configured channel; personal ones by DM.
    """

    def __init__(self, client: CoachbotClient, scheduler: Any) -> None:
        self.client = client
        self.scheduler = scheduler
        self.loop = tasks.loop(seconds=DIGEST_INTERVAL_SECONDS)(self.tick)

    @classmethod
    def create(cls, client: CoachbotClient) -> DigestRunner | None:
        """Build the runner if the digest scheduler is available."""
        try:
            from bot.digest.schedule import DigestScheduler
        except ImportError:
            log.info("digest_scheduler_unavailable")
            return None
        return cls(client, DigestScheduler(client.coach))

    def start(self) -> None:
        """Start the loop (first tick once the client is ready)."""
        self.loop.before_loop(self.client.wait_until_ready)
        self.loop.start()

    def stop(self) -> None:
        """Stop the loop."""
        self.loop.cancel()

    async def tick(self) -> int:
        """One scheduler pass; returns how many digests were posted. Failures wait for the next."""
        event_loop = asyncio.get_running_loop()

        def bridge(post: Callable[[str, str, Response], Coroutine[Any, Any, str | None]]) -> PostFn:
            def call(workspace: str, target: str, response: Response) -> str | None:
                future: concurrent.futures.Future[str | None] = asyncio.run_coroutine_threadsafe(
                    post(workspace, target, response), event_loop
                )
                return future.result(timeout=120)

            return call

        try:
            return int(
                await asyncio.to_thread(
                    self.scheduler.run_due,
                    self.client.coach.now(),
                    PLATFORM,
                    bridge(self.post_channel),
                    bridge(self.post_personal),
                )
            )
        except Exception:
            log.exception("digest_run_failed")
            return 0

    def _guild(self, workspace: str) -> discord.Guild:
        guild = self.client.get_guild(int(workspace)) if _snowflake(workspace) else None
        if guild is None:
            raise NotOnThisProcess(workspace)
        return guild

    async def post_channel(self, workspace: str, channel_id: str, response: Response) -> str:
        """Post a channel digest (embed + chart) in the server's digest channel."""
        guild = self._guild(workspace)
        channel = (
            guild.get_channel_or_thread(int(channel_id)) if _snowflake(channel_id) else None
        )
        if not isinstance(channel, discord.abc.Messageable):
            raise LookupError(f"digest channel {channel_id} not found in server {workspace}")
        rendered = render_response(response)
        message = await channel.send(embeds=rendered.embeds, files=rendered.files)
        return str(message.id)

    async def post_personal(self, workspace: str, user_id: str, response: Response) -> str | None:
        """DM a personal digest; closed DMs skip this week's (no retry loop)."""
        self._guild(workspace)
        user = self.client.get_user(int(user_id)) or await self.client.fetch_user(int(user_id))
        rendered = render_response(response)
        try:
            message = await user.send(embeds=rendered.embeds, files=rendered.files)
        except discord.Forbidden as exc:
            if exc.code == CANNOT_SEND_TO_USER:
                log.info("personal_digest_dm_closed", workspace=workspace)
                return None
            raise
        return str(message.id)


def main() -> int:
    """Run `coachbot run discord`; returns the process exit code (2 for bad configuration)."""
    try:
        config = DiscordConfig.from_env()
    except ConfigError as exc:
        print(f"coachbot run discord: configuration error: {exc}", file=sys.stderr)
        return 2
    discord.utils.setup_logging()
    apply_endpoint_overrides(config)
    if config.metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(config.metrics_port)
    try:
        from bot.coaching.coach import Coach

        coach = Coach.create(database_url=config.database_url)
    except Exception as exc:
        print(
            "coachbot run discord: could not load the rules or open the database "
            f"(COACHBOT_DATABASE_URL): {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    return asyncio.run(_serve(config, coach))


async def _serve(config: DiscordConfig, coach: Any) -> int:
    client = CoachbotClient(config, coach)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    async with client:
        runner = asyncio.create_task(client.start(config.token))
        stopper = asyncio.create_task(stopping.wait())
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper.done() and not runner.done():
            await client.close()
        stopper.cancel()
        try:
            await runner
        except discord.LoginFailure:
            print(
                "coachbot run discord: Discord rejected DISCORD_TOKEN; copy the bot token "
                "again from the developer portal.",
                file=sys.stderr,
            )
            return 2
        except discord.PrivilegedIntentsRequired:
            print(
                "coachbot run discord: the Message Content intent is not enabled. Turn on "
                "'Message Content Intent' under Bot > Privileged Gateway Intents in the "
                "Discord developer portal.",
                file=sys.stderr,
            )
            return 2
        except asyncio.CancelledError:
            pass
        except (OSError, aiohttp.ClientError, discord.DiscordException) as exc:
            where = config.api_base or discord.http.Route.BASE
            print(
                f"coachbot run discord: could not connect to Discord ({where}): "
                f"{type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            return 1
        finally:
            await asyncio.to_thread(coach.close)
    return 0
