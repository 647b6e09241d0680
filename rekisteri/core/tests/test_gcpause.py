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
