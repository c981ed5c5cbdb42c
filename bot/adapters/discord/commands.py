"""The `/coach` app-command group and button handling, answered privately via the Coach router."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any, Literal

import discord
import structlog
from discord import app_commands

from bot.adapters.discord import metrics
from bot.adapters.discord.delivery import NudgeDelivery
from bot.adapters.discord.embeds import COLOUR_ERROR, render_response
from bot.adapters.discord.views import build_view
from bot.coaching.commands import tip_id
from bot.coaching.models import CommandContext, Response, Section

log = structlog.get_logger("coachbot.discord")

PLATFORM = "discord"
FEEDBACK_PREFIX = "coach:feedback:"
# Discord allows 3 s for the first answer; past this much thinking time we defer and follow up.
ANSWER_WITHIN_SECONDS = 1.0
ADMIN_REFUSAL = (
    "Only members with the **Manage Server** permission can use `/coach {name}`. "
    "Ask a server admin if a setting should change."
)


def command_context(interaction: discord.Interaction[Any]) -> CommandContext:
    """Who is asking, where, and whether they may administer Coachbot in this server."""
    user = interaction.user
    is_admin = False
    if isinstance(user, discord.Member):
        is_admin = user.guild_permissions.manage_guild or interaction.permissions.manage_guild
    channel_id = interaction.channel_id
    return CommandContext(
        platform=PLATFORM,
        workspace=str(interaction.guild_id) if interaction.guild_id else "",
        user=str(user.id),
        channel=str(channel_id) if channel_id else None,
        is_admin=is_admin,
    )


def _failure_response() -> Response:
    return Response(
        title="Coachbot could not answer that right now",
        sections=[Section(text="Something went wrong on our side. Please try again in a moment.")],
        error=True,
    )


class CoachCommands:
    """Runs `/coach ...` and button clicks through the Coach and answers ephemerally."""

    def __init__(
        self,
        coach: Any,
        delivery: NudgeDelivery,
        *,
        answer_within: float = ANSWER_WITHIN_SECONDS,
    ) -> None:
        self.coach = coach
        self.delivery = delivery
        self.answer_within = answer_within

    async def run(
        self,
        interaction: discord.Interaction[Any],
        text: str,
        *,
        admin_only: bool = False,
        slow: bool = False,
    ) -> None:
        """Answer `/coach <text>` privately; refuse admin subcommands to non-admins."""
        ctx = command_context(interaction)
        if admin_only and not ctx.is_admin:
            name = " ".join(text.split()[:2])
            embed = discord.Embed(
                title="That needs Manage Server",
                description=ADMIN_REFUSAL.format(name=name),
                colour=COLOUR_ERROR,
            )
            await self._send(interaction, embeds=[embed])
            return
        await self._answer(interaction, ctx, self._command(ctx, text), slow=slow)

    async def action(
        self, interaction: discord.Interaction[Any], action_id: str, value: str
    ) -> None:
        """Answer a button click (feedback, settings, forget confirmation) privately."""
        ctx = command_context(interaction)
        call = asyncio.to_thread(self._action, ctx, action_id, value)
        await self._answer(interaction, ctx, call, slow=False, notes=False)

    def _action(self, ctx: CommandContext, action_id: str, value: str) -> Response:
        """Run Coach.action; a click in a DM has no server, so take it from the rated nudge."""
        nudge_id = tip_id(value) if action_id.startswith(FEEDBACK_PREFIX) else None
        if not ctx.workspace and nudge_id is not None:
            nudge = self.coach.store.nudge(nudge_id)
            if nudge is not None and nudge.user == ctx.user:
                ctx = replace(ctx, workspace=nudge.workspace, channel=nudge.channel)
        return self.coach.action(ctx, action_id, value)

    async def _command(self, ctx: CommandContext, text: str) -> Response:
        return await asyncio.to_thread(self.coach.command, ctx, text)

    async def _answer(
        self,
        interaction: discord.Interaction[Any],
        ctx: CommandContext,
        call: Awaitable[Response],
        *,
        slow: bool,
        notes: bool = True,
    ) -> None:
        async def compute() -> tuple[Response, str | None]:
            note = await self.delivery.take_closed_note(ctx) if notes else None
            return await call, note

        task = asyncio.ensure_future(compute())
        if not slow:
            await asyncio.wait({task}, timeout=self.answer_within)
        if not task.done():
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
            except discord.HTTPException as exc:
                _count_failure("POST", "/interactions/{id}/{token}/callback", exc)
        try:
            response, note = await task
        except Exception:
            log.exception("coach_command_failed")
            response, note = _failure_response(), None
        rendered = render_response(response, notes=(note,) if note else ())
        await self._send(
            interaction,
            embeds=rendered.embeds,
            files=rendered.files,
            view=build_view(rendered.buttons),
        )

    async def _send(
        self,
        interaction: discord.Interaction[Any],
        *,
        embeds: list[discord.Embed],
        files: list[discord.File] | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"embeds": embeds, "ephemeral": True}
        if files:
            kwargs["files"] = files
        if view is not None:
            kwargs["view"] = view
        try:
            if interaction.response.is_done():
                await interaction.followup.send(**kwargs)
            else:
                await interaction.response.send_message(**kwargs)
        except discord.HTTPException as exc:
            _count_failure("POST", "/interactions/{id}/{token}/callback", exc)
            log.warning("interaction_reply_failed", status=exc.status, code=exc.code)


def _count_failure(method: str, route: str, exc: discord.HTTPException) -> None:
    metrics.REST_FAILURES.labels(method=method, route=route, status=str(exc.status)).inc()


def build_coach_group(commands: CoachCommands) -> app_commands.Group:
    """The `/coach` group: every subcommand of the coaching router, answered ephemerally."""
    coach = app_commands.Group(
        name="coach",
        description="Private, kind coaching for this server's conversations.",
        guild_only=True,
    )
    digest = app_commands.Group(
        name="digest", description="Weekly digests: yours, and the channel's (admins).",
        parent=coach,
    )
    config = app_commands.Group(
        name="config", description="Coachbot settings for this server (admins).", parent=coach
    )

    @coach.command(name="help", description="What Coachbot does and how to use it.")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "help")

    @coach.command(name="check", description="Privately preview a draft before you post it.")
    @app_commands.describe(draft="The message you are about to send.")
    async def check(interaction: discord.Interaction[Any], draft: str) -> None:
        await commands.run(interaction, f"check {draft}")

    @coach.command(name="stats", description="Your own numbers (only you see them).")
    @app_commands.describe(period="week (default) or month")
    async def stats(
        interaction: discord.Interaction[Any], period: Literal["week", "month"] = "week"
    ) -> None:
        await commands.run(interaction, f"stats {period}")

    @coach.command(name="snooze", description="Pause tips for a while, e.g. 2h, 1d, 1w.")
    @app_commands.describe(duration="How long, e.g. 30m, 2h, 1d, 1w.")
    async def snooze(interaction: discord.Interaction[Any], duration: str) -> None:
        await commands.run(interaction, f"snooze {duration}")

    @coach.command(name="pause", description="Pause your tips until you resume them.")
    async def pause(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "pause")

    @coach.command(name="resume", description="Resume your tips.")
    async def resume(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "resume")

    @coach.command(name="optout", description="Stop all coaching for you in this server.")
    async def optout(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "optout")

    @coach.command(name="optin", description="Turn coaching on for you in this server.")
    async def optin(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "optin")

    @coach.command(name="mydata", description="Everything Coachbot stores about you, as JSON.")
    async def mydata(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "mydata", slow=True)

    @coach.command(name="forget", description="Delete all your data (asks to confirm).")
    async def forget(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "forget")

    @coach.command(name="rules", description="The guidelines Coachbot coaches on.")
    async def rules(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "rules")

    @digest.command(name="on", description="Get your own weekly digest by DM (only you see it).")
    async def digest_on(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "digest on")

    @digest.command(name="off", description="Stop your own weekly digest.")
    async def digest_off(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "digest off")

    @digest.command(name="preview", description="Preview this channel's weekly digest (admins).")
    async def digest_preview(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "digest preview", admin_only=True, slow=True)

    @config.command(name="show", description="Show this server's Coachbot settings (admins).")
    async def config_show(interaction: discord.Interaction[Any]) -> None:
        await commands.run(interaction, "config show", admin_only=True)

    @config.command(name="set", description="Change a Coachbot setting (admins).")
    @app_commands.describe(key="Setting name, e.g. digest_channel", value="New value")
    async def config_set(interaction: discord.Interaction[Any], key: str, value: str) -> None:
        await commands.run(interaction, f"config set {key} {value}", admin_only=True)

    return coach
