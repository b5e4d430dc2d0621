"""The tests a solution must pass; the pytest evaluator scores the share that pass."""

from fizzbuzz import fizzbuzz, fizzbuzz_lines


def test_plain_numbers_are_printed_as_numbers():
    assert [fizzbuzz(n) for n in (1, 2, 4, 7)] == ["1", "2", "4", "7"]


def test_multiples_of_three_are_fizz():
    assert [fizzbuzz(n) for n in (3, 6, 9)] == ["Fizz", "Fizz", "Fizz"]


def test_multiples_of_five_are_buzz():
    assert [fizzbuzz(n) for n in (5, 10, 20)] == ["Buzz", "Buzz", "Buzz"]


def test_multiples_of_fifteen_are_fizzbuzz():
    assert [fizzbuzz(n) for n in (15, 30, 45)] == ["FizzBuzz", "FizzBuzz", "FizzBuzz"]


def test_lines_count_from_one():
    assert fizzbuzz_lines(5) == ["1", "2", "Fizz", "4", "Buzz"]
    assert fizzbuzz_lines(0) == []
