from __future__ import annotations

import threading

import pytest

from licita.documents.progress import STAGES, ProgressFrame, Throttle, notify


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def _throttle(clock: FakeClock) -> tuple[Throttle, list[tuple[float, ProgressFrame]]]:
    sent: list[tuple[float, ProgressFrame]] = []
    return Throttle(lambda f: sent.append((clock.now, f)), clock=clock), sent


def _at_most_four_per_second(sent: list[tuple[float, ProgressFrame]]) -> bool:
    times = [t for t, _ in sent]
    return all(sum(1 for u in times if t <= u < t + 1.0) <= 4 for t in times)


def test_burst_is_cut_to_three_and_latest_is_held() -> None:
    clock = FakeClock()
    throttle, sent = _throttle(clock)
    for k in range(1, 11):
        throttle(ProgressFrame("ocr", k, 48))
    assert [f.current for _, f in sent] == [1, 2, 3]  # the fourth slot is kept for the done frame
    assert throttle.held == ProgressFrame("ocr", 10, 48)
    clock.now += 0.5
    assert not throttle.poll()  # the three frames are still inside the 1 s window
    clock.now += 0.5
    assert throttle.poll()
    assert sent[-1][1].current == 10 and throttle.held is None


def test_steady_stream_never_exceeds_four_per_second() -> None:
    clock = FakeClock()
    throttle, sent = _throttle(clock)
    for k in range(1, 601):  # one frame every 10 ms for 6 s
        throttle(ProgressFrame("ocr", k, 600))
        clock.now += 0.01
    assert _at_most_four_per_second(sent)
    assert 15 <= len(sent) <= 19


def test_flush_waits_for_room_and_delivers_the_held_frame() -> None:
    clock = FakeClock()
    throttle, sent = _throttle(clock)
    for stage in ("rules", "llm", "saving", "queued"):
        throttle(ProgressFrame(stage))
    assert sent[-1][1].stage == "saving"
    throttle.flush(sleep=clock.sleep)
    assert sent[-1][1].stage == "queued"
    assert sent[-1][0] == pytest.approx(1001.0)
    assert _at_most_four_per_second(sent)


def test_done_frame_never_waits_for_the_rate_and_the_rate_holds() -> None:
    clock = FakeClock()
    throttle, sent = _throttle(clock)
    for k in range(1, 40):  # a short document: pages, rules and saving inside one window
        throttle(ProgressFrame("text", k, 39))
        clock.now += 0.005
    throttle(ProgressFrame("rules"))
    throttle(ProgressFrame("saving"))
    throttle(ProgressFrame("done"))
    assert sent[-1][1].stage == "done" and sent[-1][0] == pytest.approx(clock.now)  # sent at once
    assert len(sent) == 4 and throttle.held is None  # the held "saving" was replaced, not sent late
    throttle.flush(sleep=clock.sleep)
    assert len(sent) == 4
    assert _at_most_four_per_second(sent)


def test_a_single_slot_throttle_still_sends_everything_in_turn() -> None:
    clock = FakeClock()
    sent: list[tuple[float, ProgressFrame]] = []
    throttle = Throttle(lambda f: sent.append((clock.now, f)), max_frames=1, clock=clock)
    throttle(ProgressFrame("rules"))
    throttle(ProgressFrame("done"))
    assert [f.stage for _, f in sent] == ["rules"]
    throttle.flush(sleep=clock.sleep)
    assert [f.stage for _, f in sent] == ["rules", "done"] and sent[-1][0] == pytest.approx(1001.0)


def test_repeated_frame_is_dropped() -> None:
    clock = FakeClock()
    throttle, sent = _throttle(clock)
    throttle(ProgressFrame("rules"))
    throttle(ProgressFrame("rules"))
    assert len(sent) == 1 and throttle.held is None


def test_thread_safe_under_concurrent_reports() -> None:
    clock = FakeClock()
    throttle, sent = _throttle(clock)
    def report(n: int) -> None:
        for k in range(100):
            throttle(ProgressFrame("ocr", n * 100 + k, 400))

    workers = [threading.Thread(target=report, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(sent) == 3 and throttle.emitted == 3


def test_frames_labels_and_percent() -> None:
    frame = ProgressFrame("ocr", 3, 48)
    assert frame.label == "Lendo por OCR: página 3 de 48"
    assert frame.to_dict()["stage"] == "ocr" and frame.to_dict()["type"] == "progress"
    percents = [ProgressFrame(s, 1, 1).percent for s in STAGES]
    assert percents == sorted(percents) and percents[-1] == 100.0
    with pytest.raises(ValueError):
        ProgressFrame("thinking")


def test_notify_swallows_sink_errors() -> None:
    def broken(_: ProgressFrame) -> None:
        raise OSError("socket closed")

    notify(broken, "text", 1, 2)
    notify(None, "done")


def test_terminal_bar_waits_for_long_or_scanned_documents() -> None:
    import io

    from licita.documents.progress import TerminalProgress

    clock = FakeClock()
    out = io.StringIO()
    bar = TerminalProgress(out, clock=clock, columns=80)
    bar(ProgressFrame("text", 1, 2))
    assert out.getvalue() == ""  # a short text document never shows a bar
    bar(ProgressFrame("ocr", 12, 48))
    assert "página 12 de 48" in out.getvalue() and out.getvalue().startswith("\r[")
    bar.close()
    assert out.getvalue().endswith(" " * 79 + "\r")
    later = TerminalProgress(io.StringIO(), clock=clock)
    clock.now += 1.0
    later(ProgressFrame("text", 900, 1000))
    assert later._drawn
