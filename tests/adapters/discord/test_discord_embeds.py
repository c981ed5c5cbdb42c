"""Rendering: nudge embeds, responses split within Discord's limits, persistent button ids."""

from __future__ import annotations

import json

import pytest

from bot.adapters.discord.embeds import (
    DESCRIPTION_LIMIT,
    EMBEDS_PER_MESSAGE,
    TOTAL_CHARS_PER_MESSAGE,
    feedback_buttons,
    nudge_embed,
    render_response,
)
from bot.adapters.discord.views import (
    CoachButton,
    build_view,
    custom_id,
    parse_custom_id,
)
from bot.coaching.models import Button, Nudge, Response, Section


def make_nudge(**changes: object) -> Nudge:
    values: dict[str, object] = {
        "id": 42,
        "platform": "discord",
        "workspace": "1",
        "channel": "2",
        "user": "3",
        "rule": "tone.personal-insult",
        "level": "nudge",
        "message": "Name-calling makes it about the person.",
        "why": None,
        "suggestion": "Describe the problem instead.",
    }
    values.update(changes)
    return Nudge(**values)  # type: ignore[arg-type]


def test_nudge_embed_has_tip_suggestion_and_jump_link() -> None:
    embed = nudge_embed(
        make_nudge(excerpt="you are an idiot,"), jump_url="https://discord.com/channels/1/2/3"
    )
    assert embed.description == "Name-calling makes it about the person."
    fields = {f.name: f.value for f in embed.fields}
    assert fields["In your message"] == "“you are an idiot,”"
    assert fields["Try instead"] == "Describe the problem instead."
    assert "Why" not in fields
    assert "https://discord.com/channels/1/2/3" in fields["Your message"]


def test_escalated_nudge_embed_explains_why_and_links_the_guideline() -> None:
    nudge = make_nudge(why="W" * 3000, link="https://example.org/guide", escalated=True)
    embed = nudge_embed(nudge)
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Why"] is not None and len(fields["Why"]) == 1024
    assert fields["Why"].endswith("…")
    assert embed.url == "https://example.org/guide"


def test_feedback_buttons_carry_action_ids_and_the_nudge_id() -> None:
    buttons = feedback_buttons(make_nudge())
    assert [(b.action_id, b.value) for b in buttons] == [
        ("coach:feedback:helpful", "42"),
        ("coach:feedback:not_helpful", "42"),
        ("coach:feedback:snooze", "42"),
    ]
    view = build_view(buttons)
    assert view is not None and view.timeout is None and view.is_persistent()
    ids = [c["custom_id"] for row in view.to_components() for c in row["components"]]
    assert ids == [
        "coach:feedback:helpful:42",
        "coach:feedback:not_helpful:42",
        "coach:feedback:snooze:42",
    ]


@pytest.mark.parametrize(
    ("action", "value"),
    [
        ("coach:feedback:not_helpful", "42"),
        ("coach:settings:snooze", "1d"),
        ("coach:forget:confirm", ""),
    ],
)
def test_custom_ids_round_trip(action: str, value: str) -> None:
    encoded = custom_id(action, value)
    assert parse_custom_id(encoded) == (action, value)
    assert CoachButton.__discord_ui_compiled_template__.fullmatch(encoded)


def test_bad_custom_ids_are_rejected() -> None:
    with pytest.raises(ValueError):
        custom_id("feedback:helpful", "1")
    with pytest.raises(ValueError):
        custom_id("coach:feedback:helpful", "9" * 100)
    assert parse_custom_id("someone-elses:button") is None


def _sizes(embeds: list) -> tuple[int, int]:  # type: ignore[type-arg]
    total = 0
    for embed in embeds:
        assert len(embed.description or "") <= DESCRIPTION_LIMIT
        assert len(embed.fields) <= 25
        total += len(embed.title or "") + len(embed.description or "")
        total += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    return len(embeds), total


def test_long_responses_are_split_over_several_embeds() -> None:
    sections = [Section("x" * 1500, heading=f"Part {i}") for i in range(3)]
    fields = tuple((f"k{i}", "v") for i in range(30))
    rendered = render_response(
        Response(title="T" * 300, sections=[*sections, Section(fields=fields)])
    )
    count, total = _sizes(rendered.embeds)
    assert count == 3  # two descriptions, then fields overflowing 25 per embed
    assert len(rendered.embeds[0].title or "") == 256
    assert sum(len(e.fields) for e in rendered.embeds) == 30
    assert total <= TOTAL_CHARS_PER_MESSAGE
    assert not rendered.embeds[-1].footer.text


def test_oversized_responses_are_cut_to_one_message_and_say_so() -> None:
    sections = [Section("x" * 3000, heading=f"Part {i}") for i in range(12)]
    rendered = render_response(Response(title="Big", sections=sections))
    count, total = _sizes(rendered.embeds)
    assert 1 <= count <= EMBEDS_PER_MESSAGE
    assert total <= TOTAL_CHARS_PER_MESSAGE
    assert "shortened" in (rendered.embeds[-1].footer.text or "")


def test_notes_come_first_and_sections_keep_their_headings() -> None:
    response = Response(title="Help", sections=[Section("Use /coach check.", heading="Commands")])
    rendered = render_response(response, notes=("Your DMs are closed.",))
    description = rendered.embeds[0].description or ""
    assert description.index("Your DMs are closed.") < description.index("**Commands**")


def test_chart_attachment_becomes_the_embed_image_and_data_a_json_file() -> None:
    response = Response(
        title="Digest",
        attachment=("chart.png", b"\x89PNG fake"),
        data={"user": "3", "nudges": []},
        buttons=[Button("Delete", "coach:forget:confirm", style="danger")],
    )
    rendered = render_response(response)
    assert rendered.embeds[0].image.url == "attachment://chart.png"
    names = [f.filename for f in rendered.files]
    assert names == ["chart.png", "coachbot-data.json"]
    assert json.loads(rendered.files[1].fp.read()) == {"user": "3", "nudges": []}
    assert [b.action_id for b in rendered.buttons] == ["coach:forget:confirm"]


def test_error_responses_are_red() -> None:
    rendered = render_response(Response(title="Nope", error=True))
    assert rendered.embeds[0].colour is not None and rendered.embeds[0].colour.value == 0xE74C3C
