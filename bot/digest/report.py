"""`coachbot analyze` reports in the digest's terms: readable text and self-contained HTML."""

from __future__ import annotations

import base64
import html
from collections import Counter

from bot.digest.render import fmt_duration, fmt_pct
from bot.digest.stats import gini, plural, share, top_fifth_share
from bot.importers.report import ChannelAggregate, ExportReport


def whole_export(report: ExportReport) -> ChannelAggregate:
    """The whole export as one aggregate (for the overview)."""
    total = ChannelAggregate("all channels")
    for channel in report.channels.values():
        total.merge(channel)
    return total


def _summary_lines(agg: ChannelAggregate, indent: str = "  ") -> list[str]:
    counts = list(agg.per_user.values())
    people = len(counts)
    lines = [f"{indent}Messages: {agg.messages:,} from {plural(people, 'person', 'people')}"]
    if people:
        lines.append(
            f"{indent}Balance: {agg.balance_text()} "
            f"(most active fifth wrote {fmt_pct(top_fifth_share(counts))}; "
            f"Gini {gini(counts):.2f})"
        )
    lines.append(
        f"{indent}Questions: {agg.questions:,} asked, {agg.answered:,} answered by someone else "
        f"({fmt_pct(min(1.0, share(agg.answered, agg.questions)))}); "
        f"median first answer {fmt_duration(agg.delays.median())}"
    )
    lines.append(
        f"{indent}Tone: {fmt_pct(share(agg.negative, agg.messages))} negative, "
        f"{fmt_pct(share(agg.positive, agg.messages))} positive"
    )
    lines.append(
        f"{indent}Appreciation: {plural(agg.thanks, 'thank-you')}, {plural(agg.credits, 'credit')} given"
    )
    return lines


def report_text(report: ExportReport) -> str:
    """The default `analyze` output: overview, what would have been nudged, per channel."""
    whole = whole_export(report)
    lines = [
        f"Coachbot analysis of {report.source}",
        f"{plural(report.messages, 'message')} by {plural(report.people(), 'person', 'people')} "
        f"in {plural(len(report.channels), 'channel')} ({plural(report.other_messages, 'other message')}: "
        "bots, joins and system events)",
        "",
        "Whole export",
        *_summary_lines(whole),
        "",
        "What Coachbot would have said (counts per guideline, no text)",
    ]
    rules = report.findings_by_rule()
    if rules:
        width = max(len(rule) for rule in rules)
        digits = len(f"{max(rules.values()):,}")
        lines += [f"  {rule:<{width}}  {count:>{digits},}" for rule, count in _by_count(rules)]
    else:
        lines.append("  nothing")
    lines.append(f"  ({whole.nudges:,} tips or nudges, {whole.praise:,} praise)")
    for channel in report.ordered_channels():
        lines += ["", f"#{channel.name}", *_summary_lines(channel)]
        top = _by_count(channel.findings_by_rule)[:5]
        if top:
            lines.append("  Guidelines: " + ", ".join(f"{r} {c:,}" for r, c in top))
    if report.problems:
        lines += ["", f"Skipped ({len(report.problems)}):"]
        lines += [f"  {where}: {what}" for where, what in report.problems]
    return "\n".join(lines)


def _by_count(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{background:#f5f7fa;border-radius:8px;padding:.8rem 1.2rem;min-width:9rem}
.card b{display:block;font-size:1.5rem}.muted{color:#666;font-size:.85rem}
img{max-width:100%}
"""


def report_html(report: ExportReport, chart: bool = True) -> str:
    """A self-contained HTML report: inline CSS, charts as base64 PNG, no external assets."""
    esc = html.escape
    data = report.to_json()
    whole = whole_export(report)
    cards = [
        ("Messages", f"{data['messages']:,}"),
        ("People", f"{data['people']:,}"),
        ("Channels", f"{len(data['channels']):,}"),
        ("Questions answered", fmt_pct(min(1.0, share(whole.answered, whole.questions)))),
        ("Median first answer", fmt_duration(whole.delays.median())),
        ("Negative tone", fmt_pct(share(whole.negative, whole.messages))),
    ]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Coachbot analysis: {esc(report.source)}</title><style>{_CSS}</style></head><body>",
        "<h1>Coachbot analysis</h1>",
        f"<p class='muted'>{esc(report.source)}: human messages only; "
        f"{report.other_messages:,} bot, join and system messages left out. "
        "No message text and no names appear in this report.</p>",
        "<div class='cards'>",
        *(f"<div class='card'><span class='muted'>{esc(k)}</span><b>{esc(v)}</b></div>"
          for k, v in cards),
        "</div>",
        f"<p>{esc(whole.balance_text())}</p>",
    ]
    weeks = data["weeks"]
    if chart and weeks:
        from bot.digest.charts import weekly_png

        png = weekly_png(
            [w["week"] for w in weeks],
            [w["messages"] for w in weeks],
            [w["people"] for w in weeks],
            [w["negative_share"] for w in weeks],
        )
        encoded = base64.b64encode(png).decode("ascii")
        parts += [
            "<h2>Weeks</h2>",
            f"<img alt='Messages, people and negative tone per week' "
            f"src='data:image/png;base64,{encoded}'>",
        ]
    parts += [
        "<h2>Channels</h2><table><tr><th>Channel</th><th>Messages</th><th>People</th>"
        "<th>Top fifth share</th><th>Gini</th><th>Questions</th><th>Answered</th>"
        "<th>Median first answer</th><th>Negative</th><th>Positive</th><th>Tips/nudges</th>"
        "<th>Praise</th></tr>"
    ]
    for ch in data["channels"]:
        parts.append(
            f"<tr><td>#{esc(ch['name'])}</td><td>{ch['messages']:,}</td><td>{ch['people']}</td>"
            f"<td>{fmt_pct(ch['top_fifth_share'])}</td><td>{ch['gini']:.2f}</td>"
            f"<td>{ch['questions']}</td><td>{ch['answered_questions']}</td>"
            f"<td>{esc(fmt_duration(ch['median_first_answer_seconds']))}</td>"
            f"<td>{fmt_pct(ch['negative_share'])}</td><td>{fmt_pct(ch['positive_share'])}</td>"
            f"<td>{ch['nudges']}</td><td>{ch['praise']}</td></tr>"
        )
    parts.append("</table>")
    parts.append("<h2>What Coachbot would have said</h2>")
    rules = data["findings_by_rule"]
    if rules:
        parts.append("<table><tr><th>Guideline</th><th>Times</th></tr>")
        for rule, count in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])):
            parts.append(f"<tr><td>{esc(rule)}</td><td>{count:,}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>Nothing: no guideline fired.</p>")
    if report.problems:
        parts.append("<h2>Skipped</h2><ul>")
        parts += [f"<li>{esc(w)}: {esc(p)}</li>" for w, p in report.problems]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
