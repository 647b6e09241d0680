"""The cyclic collector paused for a block and restored after it."""

from __future__ import annotations

import gc

import pytest

from rekisteri.core import gcpause


def test_the_collector_is_off_in_the_block_and_on_after_it():
    assert gc.isenabled()
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():  # nested (or another thread's) pause
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_an_error_in_the_block_still_restores_the_collector():
    with pytest.raises(ValueError), gcpause.paused():
        raise ValueError
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_freeze_startup_leaves_what_lives_out_of_collections() -> None:
    """What start-up built goes to the permanent generation, which no
    collection walks; a cycle made afterwards is still collected."""
    import weakref

    class Node:
        pass

    try:
        gcpause.freeze_startup()
        assert gc.get_freeze_count() > 0
        node = Node()
        node.me = node  # a cycle: only the cyclic collector frees it
        alive = weakref.ref(node)
        del node
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()
