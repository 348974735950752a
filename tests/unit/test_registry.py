import pytest

from app.core.registry import Registry, Section


def test_sections_come_back_in_order_and_none_is_skipped():
    registry = Registry("section")
    registry.register("late", lambda user: Section("Late", "x.html"), order=200)
    registry.register("early", lambda user: Section("Early", "x.html"), order=10)
    registry.register("hidden", lambda user: None)
    assert [s.title for s in registry.collect(None)] == ["Early", "Late"]


def test_two_modules_cannot_take_the_same_name():
    registry = Registry("section")
    registry.register("ideas", lambda user: None)
    with pytest.raises(ValueError):
        registry.register("ideas", lambda user: Section("Other", "y.html"))
