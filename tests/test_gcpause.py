"""The GC pause around big passes restores the collector's state, whatever happens inside."""

import gc

import pytest

from accelsim.config.yamlio import parse_yaml
from accelsim.gcpause import gc_paused


def test_pause_restores_an_enabled_collector_even_on_error():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with gc_paused():
            assert not gc.isenabled()
            with gc_paused():  # nested: the outer pause still holds after the inner one
                pass
            assert not gc.isenabled()
            1 / 0
    assert gc.isenabled()


def test_pause_keeps_a_disabled_collector_disabled():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_reading_yaml_leaves_the_collector_as_it_was():
    assert parse_yaml("a: [1, 2]\n", "x.yaml") == {"a": [1, 2]}
    assert gc.isenabled()
