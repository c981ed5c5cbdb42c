from __future__ import annotations

import gc
import weakref

import pytest

from bot.core.heap import YOUNG_THRESHOLD, streaming_heap
from bot.importers.analyze import analyze_export


@pytest.fixture
def clean_gc():  # type: ignore[no-untyped-def]
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


def test_streaming_heap_freezes_what_is_loaded_and_restores_the_collector(clean_gc) -> None:
    gc.set_threshold(700, 10, 10)
    loaded = [{"table": i} for i in range(1000)]
    with streaming_heap():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        assert gc.get_freeze_count() >= len(loaded)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_a_callers_own_freeze_survives_the_block(clean_gc) -> None:
    gc.freeze()
    before = gc.get_freeze_count()
    with streaming_heap():
        pass
    assert gc.get_freeze_count() == before


def test_analyze_restores_the_collector_after_a_run(clean_gc, tmp_path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text('{"user": "ana", "text": "hello there", "ts": 1700000000}\n', encoding="utf-8")
    gc.set_threshold(700, 10, 10)
    report = analyze_export(str(path))
    assert report.messages == 1
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_garbage_made_after_a_callers_freeze_stays_collectable(clean_gc) -> None:
    gc.collect()
    gc.freeze()

    class Cycle:
        pass

    alive = weakref.WeakSet()
    for _ in range(200):
        item = Cycle()
        item.me = item  # type: ignore[attr-defined]
        alive.add(item)
    del item
    with streaming_heap():
        pass
    gc.collect()
    assert len(alive) == 0


def test_overlapping_blocks_restore_the_collector_when_the_last_one_ends(clean_gc) -> None:
    gc.set_threshold(700, 10, 10)
    first, second = streaming_heap(), streaming_heap()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # (ends before the block it overlaps)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0
