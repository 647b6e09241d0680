"""The contact import's in-file duplicate check (connectors/contacts/seen.py):
exact across batches, keyed per import, and its memory does not grow with
the file."""

from __future__ import annotations

import tracemalloc

from rekisteri.connectors.contacts.seen import SeenAddresses


def test_an_address_is_found_in_its_own_batch_and_after_the_batch_is_flushed():
    seen = SeenAddresses()
    try:
        a = seen.digest("email", "a@example.fi")
        b = seen.digest("phone", "+358401234567")
        assert a not in seen
        seen.update([a])
        assert a in seen and b not in seen
        seen.flush()
        assert a in seen and b not in seen
        seen.update([b])
        seen.flush()
        assert a in seen and b in seen
        assert seen.digest("email", "c@example.fi") not in seen
    finally:
        seen.close()


def test_the_kind_is_part_of_the_digest_and_the_key_is_new_for_each_import():
    one, two = SeenAddresses(), SeenAddresses()
    assert one.digest("email", "x") != one.digest("phone", "x")
    assert one.digest("email", "x") == one.digest("email", "x")
    assert one.digest("email", "x") != two.digest("email", "x")


def test_memory_stays_flat_as_the_file_grows():
    def peak(addresses: int) -> int:
        seen = SeenAddresses()
        tracemalloc.start()
        try:
            for start in range(0, addresses, 1000):
                digests = [
                    seen.digest("email", f"p{n}@example.fi")
                    for n in range(start, start + 1000)
                ]
                assert not any(d in seen for d in digests[:5])
                seen.update(digests)
                seen.flush()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            seen.close()

    small, large = peak(2_000), peak(40_000)
    # A set of 40,000 digests alone would take several MB more than 2,000.
    assert large - small < 500_000, (small, large)


def test_earlier_batches_are_looked_up_together():
    seen = SeenAddresses()
    try:
        first = [seen.digest("email", f"p{n}@example.fi") for n in range(1200)]
        assert seen.earlier(first) == set()
        seen.update(first)
        assert seen.in_batch(first[0]) and seen.earlier(first) == set()
        seen.flush()
        assert not seen.in_batch(first[0])
        later = [seen.digest("email", f"p{n}@example.fi") for n in range(1100, 1300)]
        assert seen.earlier(later) == set(first[1100:])
    finally:
        seen.close()
