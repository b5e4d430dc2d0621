from solution import add, is_even, reverse


def test_add():
    assert add(2, 3) == 5
    assert add(-1, 1) == 0


def test_is_even():
    assert is_even(4) is True
    assert is_even(7) is False


def test_reverse():
    assert reverse("abc") == "cba"
    assert reverse("") == ""
