from hubcity.core.pagination import Page, page_bounds


def test_page_bounds() -> None:
    assert page_bounds(1) == (50, 0)
    assert page_bounds(3, 20) == (20, 40)
    assert page_bounds(0) == (50, 0)


def test_page_arithmetic() -> None:
    middle = Page(items=list(range(10)), number=2, size=10, total=25)
    assert middle.pages == 3 and middle.has_previous and middle.has_next
    assert (middle.first_index, middle.last_index) == (11, 20)
    last = Page(items=list(range(5)), number=3, size=10, total=25)
    assert not last.has_next and (last.first_index, last.last_index) == (21, 25)
    empty = Page(items=[], number=1, size=50, total=0)
    assert empty.pages == 1 and not empty.has_previous and not empty.has_next and empty.first_index == 0
