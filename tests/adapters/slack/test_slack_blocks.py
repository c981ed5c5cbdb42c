"""Block Kit rendering of nudges and responses: content, action ids, escaping and limits."""

from __future__ import annotations

import json

from bot.adapters.slack.blocks import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
    data_blocks,
    escape,
    home_view,
    nudge_blocks,
    nudge_text,
    response_blocks,
    response_text,
)
from bot.coaching.models import Button, FeedbackAction, Nudge, Response, Section


def make_nudge(**overrides: object) -> Nudge:
    values: dict[str, object] = {
        "id": 42,
        "platform": "slack",
        "workspace": "T1",
        "channel": "C1",
        "user": "U1",
        "rule": "tone.personal-insult",
        "level": "nudge",
        "message": "Calling someone a name makes it about them.",
        "why": "It is hard to come back from.",
        "suggestion": "Describe the problem instead.",
        "link": "https://example.org/guidelines#insults",
    }
    values.update(overrides)
    return Nudge(**values)  # type: ignore[arg-type]


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_nudge_has_tip_why_suggestion_and_the_three_feedback_buttons() -> None:
    blocks = nudge_blocks(make_nudge())
    text = all_text(blocks)
    assert "Calling someone a name makes it about them." in text
    assert "*Why:* It is hard to come back from." in text
    assert "*Try:* Describe the problem instead." in text
    assert "<https://example.org/guidelines#insults|About this guideline>" in text
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (f"coach:feedback:{FeedbackAction.HELPFUL}", "42"),
        (f"coach:feedback:{FeedbackAction.NOT_HELPFUL}", "42"),
        (f"coach:feedback:{FeedbackAction.SNOOZE}", "42"),
    ]
    assert [e["text"]["text"] for e in actions["elements"]] == [
        "Helpful", "Not helpful", "Snooze 1 day"
    ]


def test_nudge_without_optional_parts_has_no_empty_blocks() -> None:
    blocks = nudge_blocks(make_nudge(why=None, suggestion=None, link=None))
    text = all_text(blocks)
    assert "Why:" not in text and "Try:" not in text and "About this guideline" not in text
    for block in blocks:
        if block["type"] == "section":
            assert block["text"]["text"].strip()


def test_nudge_text_is_a_plain_fallback() -> None:
    assert nudge_text(make_nudge()) == (
        "Calling someone a name makes it about them. Try: Describe the problem instead."
    )


def test_quoted_message_text_is_escaped_so_nothing_becomes_a_mention_or_link() -> None:
    blocks = nudge_blocks(make_nudge(excerpt="ping <@U999> & <!channel> <http://x|y>"))
    text = all_text(blocks)
    assert "<@U999>" not in text and "<!channel>" not in text and "<http://x" not in text
    assert "ping &lt;@U999&gt; &amp; &lt;!channel&gt;" in text
    assert escape("<&>") == "&lt;&amp;&gt;"


def test_response_text_keeps_channel_and_user_mentions_but_never_broadcasts() -> None:
    response = Response(title="t", sections=[
        Section("The weekly digest goes to <#C0DIGEST>. Ask <@U0ADMIN|ann>. <!here> a<b")
    ])
    text = response_blocks(response)[1]["text"]["text"]
    assert text == (
        "The weekly digest goes to <#C0DIGEST>. Ask <@U0ADMIN|ann>. &lt;!here&gt; a&lt;b"
    )


def test_response_renders_header_sections_fields_and_buttons() -> None:
    response = Response(
        title="Your week",
        sections=[
            Section("Seven messages.", heading="Activity", fields=(("Tips", "2"), ("Thanks", "3"))),
        ],
        buttons=[Button("Pause", "coach:settings:pause"),
                 Button("Delete", "coach:forget:confirm", "yes", style="danger")],
    )
    blocks = response_blocks(response)
    assert blocks[0] == {"type": "header",
                         "text": {"type": "plain_text", "text": "Your week", "emoji": True}}
    assert blocks[1]["text"]["text"] == "*Activity*\nSeven messages."
    assert [f["text"] for f in blocks[2]["fields"]] == ["*Tips*\n2", "*Thanks*\n3"]
    elements = blocks[-1]["elements"]
    assert [(e["action_id"], e["value"], e.get("style")) for e in elements] == [
        ("coach:settings:pause", "", None), ("coach:forget:confirm", "yes", "danger")
    ]


def test_error_response_is_marked_in_the_title() -> None:
    blocks = response_blocks(Response(title="Sorry, I didn't get that", error=True))
    assert blocks[0]["text"]["text"].startswith("⚠️")


def test_long_text_is_split_into_sections_within_the_limit() -> None:
    long_text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    blocks = response_blocks(Response(title="t", sections=[Section(long_text)]))
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) >= 3
    assert all(len(b["text"]["text"]) <= MAX_SECTION_TEXT for b in sections)
    assert "\n".join(b["text"]["text"] for b in sections) == long_text


def test_a_single_giant_line_is_cut_into_pieces_too() -> None:
    blocks = response_blocks(Response(title="t", sections=[Section("y" * 7000)]))
    sections = [b for b in blocks if b["type"] == "section"]
    assert [len(b["text"]["text"]) for b in sections] == [3000, 3000, 1000]


def test_more_than_ten_fields_are_spread_over_sections() -> None:
    fields = tuple((f"k{i}", str(i)) for i in range(23))
    blocks = response_blocks(Response(title="t", sections=[Section(fields=fields)]))
    assert [len(b["fields"]) for b in blocks if "fields" in b] == [10, 10, 3]


def test_block_count_stays_within_slack_limits_and_buttons_survive() -> None:
    sections = [Section(f"s{i}") for i in range(200)]
    buttons = [Button(f"b{i}", f"coach:settings:x{i}") for i in range(30)]
    message = response_blocks(Response(title="t", sections=sections, buttons=buttons))
    assert len(message) == MAX_MESSAGE_BLOCKS
    assert [len(b["elements"]) for b in message if b["type"] == "actions"] == [25, 5]
    assert "more not shown" in all_text(message)
    view = home_view(Response(title="t", sections=sections))
    assert view["type"] == "home"
    assert len(view["blocks"]) == MAX_VIEW_BLOCKS


def test_long_titles_and_labels_are_truncated() -> None:
    blocks = response_blocks(Response(title="T" * 400, buttons=[Button("L" * 200, "a")]))
    assert len(blocks[0]["text"]["text"]) == 150
    assert len(blocks[-1]["elements"][0]["text"]["text"]) == 75


def test_data_is_rendered_as_json_code_and_fallback_text_is_plain() -> None:
    response = Response(title="Your data", data={"counters": [1, 2]})
    blocks = response_blocks(response)
    assert blocks[-1]["text"]["text"].startswith("```{")
    assert len(data_blocks({"x": "z" * 10000})[0]["text"]["text"]) <= MAX_SECTION_TEXT
    assert response_text(Response(title="Hi", sections=[Section("there")])) == "Hi\nthere"
