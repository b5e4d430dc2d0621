"""FizzBuzz: replace this stub so that the tests in tests/ pass."""


def fizzbuzz(n: int) -> str:
    """'Fizz' for multiples of 3, 'Buzz' for multiples of 5, 'FizzBuzz' for both, else the number."""
    raise NotImplementedError


def fizzbuzz_lines(count: int) -> list[str]:
    """fizzbuzz(1) ... fizzbuzz(count), in order."""
    raise NotImplementedError
