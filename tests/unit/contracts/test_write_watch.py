"""The recording proxy's noise guard: a pair of reads is clean only with no write between."""

from __future__ import annotations

from harness.record.writes import WriteWatch


def test_a_pair_with_no_write_between_is_clean() -> None:
    watch = WriteWatch()
    mark = watch.mark()
    assert watch.clean_since(mark)


def test_a_write_begun_between_the_reads_spoils_the_pair_even_once_it_ended() -> None:
    watch = WriteWatch()
    mark = watch.mark()
    watch.began()
    watch.ended()
    assert not watch.clean_since(mark)
    assert watch.clean_since(watch.mark())  # a read after it is clean again


def test_a_write_in_flight_at_either_read_spoils_the_pair() -> None:
    watch = WriteWatch()
    watch.began()
    assert watch.mark() is None and not watch.clean_since(watch.mark())
    watch.ended()
    mark = watch.mark()
    watch.began()  # still in flight when the second answer comes back
    assert not watch.clean_since(mark)
