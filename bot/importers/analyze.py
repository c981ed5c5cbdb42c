"""Run an export through the engine, part by part, into one ExportReport (maybe in parallel)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from bot.core.heap import settle_for_streaming, streaming_heap
from bot.core.models import Analysis, Message
from bot.importers import open_export
from bot.importers.base import Export, ImportedMessage, ProgressHandler
from bot.importers.report import ExportReport


def _load_engine(rules_path: str | None) -> Any:
    from bot.core.engine import Engine

    return Engine.load(rules_path) if rules_path else Engine.load()


def analyze_unit(
    export: Export,
    unit: str,
    engine: Any,
    report: ExportReport,
    since: float | None,
    until: float | None,
    on_progress: ProgressHandler | None = None,
) -> None:
    """Analyse one part of an export into `report` (human messages only reach the engine).

    Messages go to the engine in batches of BATCH (`Engine.evaluate_many`, the same results
    as one at a time, cheaper), in the order read.
    """
    evaluate_many = engine.evaluate_many
    add = report.add
    batch: list[ImportedMessage] = []
    for imported in export.read(unit, since, until, report.problem, on_progress):
        batch.append(imported)
        if len(batch) == BATCH:
            _add_batch(batch, evaluate_many, add)
            batch = []
    if batch:
        _add_batch(batch, evaluate_many, add)


# Messages handed to the engine at once: enough to amortise each rule kind's turn, few enough
# that the batch's documents stay small.
BATCH = 64


def _add_batch(
    batch: list[ImportedMessage],
    evaluate_many: Callable[[list[Message]], list[Analysis]],
    add: Callable[[ImportedMessage, Analysis | None], None],
) -> None:
    """Run a batch's human messages through the engine and count the whole batch in order."""
    analyses = iter(evaluate_many([imported.message for imported in batch if imported.human]))
    for imported in batch:
        add(imported, next(analyses) if imported.human else None)


# Per-process state of parallel workers (set by the pool initializer).
_WORKER: dict[str, Any] = {}


def _init_worker(path: str, rules_path: str | None) -> None:
    _WORKER["export"] = open_export(path)
    _WORKER["engine"] = _load_engine(rules_path)
    settle_for_streaming()  # (a worker process only streams)


def _work(unit: str, since: float | None, until: float | None) -> ExportReport:
    export = _WORKER["export"]
    report = ExportReport(source=export.source)
    analyze_unit(export, unit, _WORKER["engine"], report, since, until)
    return report


def analyze_export(
    path: str,
    *,
    since: float | None = None,
    until: float | None = None,
    rules_path: str | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    engine: Any = None,
) -> ExportReport:
    """Analyse a whole export; `progress(done, total)` is called as work is done.

    With `jobs > 1`, independent parts (Slack channels, Discord files) are analysed in
    worker processes and their reports merged; a channel always stays in one process, so
    the engine's conversation windows see its messages in order.
    """
    export = open_export(path)
    units = export.units()
    total = sum(export.total(u) for u in units)
    report = ExportReport(source=export.source)
    done = 0

    def advance(amount: int) -> None:
        nonlocal done
        done += amount
        if progress:
            progress(done, total)

    if progress:
        progress(0, total)
    if jobs <= 1 or len(units) <= 1:
        engine = engine or _load_engine(rules_path)
        with streaming_heap():
            for unit in units:
                analyze_unit(export, unit, engine, report, since, until, advance)
        return report
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # Biggest parts first, so one long channel does not finish last on its own.
    ordered = sorted(units, key=export.total, reverse=True)
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(path, rules_path),
    ) as pool:
        futures = {pool.submit(_work, unit, since, until): unit for unit in ordered}
        for future in as_completed(futures):
            report.merge(future.result())
            advance(export.total(futures[future]))
    return report
