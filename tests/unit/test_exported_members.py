import harness


def test_all_lists_importable_names() -> None:
    for name in harness.__all__:
        assert hasattr(harness, name), name


def test_all_is_sorted_and_unique() -> None:
    names = [n for n in harness.__all__ if n != "__version__"]
    assert names == sorted(set(names))
