"""The search-efficiency suite: 16 tasks in 8 families, each family with one dev and one held-out task.

The split below was published with the suite and never changes: tune on ``dev`` only, report ``held_out``
separately. Every task is a starting ``main.py``, checks that score it (the harness in ``tasks.py`` prints
one line per check and ``SCORE: <value>`` last), and a reference program that no system is shown: the
starting and reference programs' scores, measured on this machine at the start of a run, make the
normalized improvement (0: the starting score, 1: the reference's) that says when a task is solved.
"""

from __future__ import annotations

import textwrap

from tasks import Task

D = textwrap.dedent

# --- repair against asserts -------------------------------------------------------------------------------

REPAIR = Task(
    name="repair",
    family="repair",
    goal=(
        "Fix count_even in main.py so that every check passes: count_even([2, 4, 5]) == 2, "
        "count_even([]) == 0, count_even([1, 3]) == 0, count_even([6]) == 1, count_even([0, 2, 4, 6]) == 4."
    ),
    program=D(
        '''\
        def count_even(numbers):
            """Return how many numbers in the list are even."""
            count = 0
            for i in range(1, len(numbers)):
                if numbers[i] % 2 == 0:
                    count += 1
            return count
        '''
    ),
    reference=D(
        """\
        def count_even(numbers):
            return sum(1 for n in numbers if n % 2 == 0)
        """
    ),
    checks=D(
        """\
        def score(main):
            cases = [([2, 4, 5], 2), ([], 0), ([1, 3], 0), ([6], 1), ([0, 2, 4, 6], 4)]
            passed = 0
            for numbers, expected in cases:
                got = attempt(main.count_even, list(numbers))
                passed += check(f"count_even({numbers}) == {expected}", got == expected, got)
            return passed / len(cases)
        """
    ),
)

REPAIR_LARGEST = Task(
    name="repair_largest",
    family="repair",
    goal=(
        "Fix largest in main.py so that every check passes: largest([3, 1, 2]) == 3, largest([-5, -2, -9]) == -2, "
        "largest([7]) == 7, largest([-1]) == -1, largest([0, -3]) == 0, largest([2, 8, 8]) == 8."
    ),
    program=D(
        '''\
        def largest(numbers):
            """Return the largest number of a non-empty list."""
            best = 0
            for n in numbers:
                if n > best:
                    best = n
            return best
        '''
    ),
    reference=D(
        """\
        def largest(numbers):
            return max(numbers)
        """
    ),
    checks=D(
        """\
        def score(main):
            cases = [([3, 1, 2], 3), ([-5, -2, -9], -2), ([7], 7), ([-1], -1), ([0, -3], 0), ([2, 8, 8], 8)]
            passed = 0
            for numbers, expected in cases:
                got = attempt(main.largest, list(numbers))
                passed += check(f"largest({numbers}) == {expected}", got == expected, got)
            return passed / len(cases)
        """
    ),
)

# --- implement from a docstring ---------------------------------------------------------------------------

IMPLEMENT_FACTORIAL = Task(
    name="implement_factorial",
    family="docstring",
    goal="Implement factorial(n) in main.py as its docstring says. The score is the fraction of checks that pass.",
    program=D(
        '''\
        def factorial(n):
            """Return n! = 1 * 2 * ... * n for an integer n >= 0; factorial(0) is 1."""
            raise NotImplementedError
        '''
    ),
    reference=D(
        """\
        import math


        def factorial(n):
            return math.factorial(n)
        """
    ),
    checks=D(
        """\
        def score(main):
            expected = {0: 1, 1: 1, 2: 2, 3: 6, 4: 24, 5: 120, 6: 720, 10: 3628800}
            passed = 0
            for n, value in expected.items():
                got = attempt(main.factorial, n)
                passed += check(f"factorial({n}) == {value}", got == value, got)
            return passed / len(expected)
        """
    ),
)

IMPLEMENT_VOWELS = Task(
    name="implement_vowels",
    family="docstring",
    goal="Implement count_vowels(text) in main.py as its docstring says. The score is the fraction of checks that pass.",
    program=D(
        '''\
        def count_vowels(text):
            """Return how many characters of text are vowels: a, e, i, o or u, lower or upper case."""
            raise NotImplementedError
        '''
    ),
    reference=D(
        """\
        def count_vowels(text):
            return sum(1 for c in text if c.lower() in "aeiou")
        """
    ),
    checks=D(
        """\
        def score(main):
            cases = {"hello": 2, "": 0, "xyz": 0, "AEIOU": 5, "Banana": 3, "Quick Brown Fox": 4, "aaa": 3}
            passed = 0
            for text, value in cases.items():
                got = attempt(main.count_vowels, text)
                passed += check(f"count_vowels({text!r}) == {value}", got == value, got)
            return passed / len(cases)
        """
    ),
)

# --- numeric constants, a continuous score ----------------------------------------------------------------

FIT_CURVE = Task(
    name="fit_curve",
    family="numeric",
    goal=(
        "Change the constants A, B and C in main.py so that predict(x) matches the measurements the checks hold. "
        "The score is the mean squared error over the measurements: lower is better."
    ),
    program=D(
        '''\
        A = 1.0
        B = 0.0
        C = 0.0


        def predict(x):
            """The model's prediction at x."""
            return A * x * x + B * x + C
        '''
    ),
    reference=D(
        """\
        def predict(x):
            return 0.5 * x * x - 1.3 * x + 2.1
        """
    ),
    checks=D(
        """\
        def score(main):
            xs = [x / 2 for x in range(-6, 7)]
            errors = []
            for x in xs:
                got = attempt(main.predict, x)
                target = 0.5 * x * x - 1.3 * x + 2.1
                if not isinstance(got, (int, float)):
                    check(f"predict({x}) is a number", False, got)
                    return 1e6
                errors.append((got - target) ** 2)
            mse = sum(errors) / len(errors)
            check(f"mean squared error {mse:.4g} below 0.01", mse < 0.01, mse)
            return mse
        """
    ),
    direction="minimize",
    solve_at=0.99,
)

TUNE_CONTROLLER = Task(
    name="tune_controller",
    family="numeric",
    goal=(
        "Tune the constants of the controller in main.py: control(error, velocity) pushes a cart toward its target "
        "in a simulation of 200 steps. The score is the accumulated squared distance from the target: lower is "
        "better."
    ),
    program=D(
        '''\
        GAIN_P = 0.1
        GAIN_D = 0.0


        def control(error, velocity):
            """The force to apply, given the distance to the target and the cart's velocity."""
            return GAIN_P * error - GAIN_D * velocity
        '''
    ),
    reference=D(
        """\
        def control(error, velocity):
            return 3.0 * error - 2.6 * velocity
        """
    ),
    checks=D(
        """\
        def score(main):
            position, velocity, cost = 0.0, 0.0, 0.0
            for step in range(200):
                target = 1.0 if step < 100 else -0.5
                force = attempt(main.control, target - position, velocity)
                if not isinstance(force, (int, float)):
                    check("control returns a number", False, force)
                    return 1e6
                force = max(-10.0, min(10.0, float(force)))
                velocity += 0.05 * (force - 0.1 * velocity)
                position += 0.05 * velocity
                cost += (target - position) ** 2
                if abs(position) > 1e3:
                    check("the cart stays near its target", False, position)
                    return 1e6
            check(f"tracking cost {cost:.4g}", True, cost)
            return cost
        """
    ),
    direction="minimize",
    solve_at=0.9,
)

# --- speed up a correct but slow function -----------------------------------------------------------------

SPEED_FIB = Task(
    name="speed_fib",
    family="speed",
    goal=(
        "Make fib(n) in main.py fast while it stays correct. The score is the milliseconds fib(25) takes "
        "(1e4 when a check fails): lower is better."
    ),
    program=D(
        '''\
        def fib(n):
            """Return the n-th Fibonacci number: fib(0) = 0, fib(1) = 1, fib(n) = fib(n - 1) + fib(n - 2)."""
            if n < 2:
                return n
            return fib(n - 1) + fib(n - 2)
        '''
    ),
    reference=D(
        """\
        def fib(n):
            a, b = 0, 1
            for _ in range(n):
                a, b = b, a + b
            return a
        """
    ),
    checks=D(
        """\
        def score(main):
            import time

            expected = [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55]
            right = all(check(f"fib({n}) == {v}", attempt(main.fib, n) == v, attempt(main.fib, n)) for n, v in enumerate(expected))
            right = check("fib(25) == 75025", attempt(main.fib, 25) == 75025, attempt(main.fib, 25)) and right
            if not right:
                return 1e4
            return 1000 * min(timed(main.fib, 25) for _ in range(3))
        """
    ),
    direction="minimize",
    solve_at=0.9,
)

SPEED_PRIMES = Task(
    name="speed_primes",
    family="speed",
    goal=(
        "Make count_primes(limit) in main.py fast while it stays correct. The score is the milliseconds "
        "count_primes(3000) takes (1e4 when a check fails): lower is better."
    ),
    program=D(
        '''\
        def count_primes(limit):
            """Return how many prime numbers are below limit."""
            count = 0
            for n in range(2, limit):
                if all(n % d for d in range(2, n)):
                    count += 1
            return count
        '''
    ),
    reference=D(
        """\
        def count_primes(limit):
            if limit < 3:
                return 0
            sieve = bytearray([1]) * limit
            sieve[0] = sieve[1] = 0
            for n in range(2, int(limit ** 0.5) + 1):
                if sieve[n]:
                    sieve[n * n :: n] = bytearray(len(range(n * n, limit, n)))
            return sum(sieve)
        """
    ),
    checks=D(
        """\
        def score(main):
            cases = {0: 0, 2: 0, 3: 1, 10: 4, 30: 10, 100: 25, 3000: 430}
            right = True
            for limit, value in cases.items():
                got = attempt(main.count_primes, limit)
                right = check(f"count_primes({limit}) == {value}", got == value, got) and right
            if not right:
                return 1e4
            return 1000 * min(timed(main.count_primes, 3000) for _ in range(3))
        """
    ),
    direction="minimize",
    solve_at=0.9,
)

# --- string and data processing ---------------------------------------------------------------------------

SLUGIFY = Task(
    name="slugify",
    family="strings",
    goal="Make slugify(title) in main.py do what its docstring says. The score is the fraction of checks that pass.",
    program=D(
        '''\
        def slugify(title):
            """Return title in lower case, with each run of spaces replaced by one hyphen and no hyphen at either end."""
            return title
        '''
    ),
    reference=D(
        """\
        def slugify(title):
            return "-".join(title.lower().split())
        """
    ),
    checks=D(
        """\
        def score(main):
            cases = {"Hello World": "hello-world", "abc": "abc", "A B C": "a-b-c", "Python": "python", "": "",
                     "  Two  Spaces ": "two-spaces"}
            passed = 0
            for title, value in cases.items():
                got = attempt(main.slugify, title)
                passed += check(f"slugify({title!r}) == {value!r}", got == value, got)
            return passed / len(cases)
        """
    ),
)

WORD_COUNT = Task(
    name="word_count",
    family="strings",
    goal="Make word_count(text) in main.py do what its docstring says. The score is the fraction of checks that pass.",
    program=D(
        '''\
        def word_count(text):
            """Return a dict mapping each word of text (split on whitespace, lower-cased) to how often it occurs."""
            return {}
        '''
    ),
    reference=D(
        """\
        def word_count(text):
            counts = {}
            for word in text.lower().split():
                counts[word] = counts.get(word, 0) + 1
            return counts
        """
    ),
    checks=D(
        """\
        def score(main):
            cases = [
                ("a b a", {"a": 2, "b": 1}),
                ("", {}),
                ("One one ONE", {"one": 3}),
                ("x", {"x": 1}),
                ("to be or not to be", {"to": 2, "be": 2, "or": 1, "not": 1}),
            ]
            passed = 0
            for text, value in cases:
                got = attempt(main.word_count, text)
                passed += check(f"word_count({text!r}) == {value!r}", got == value, got)
            return passed / len(cases)
        """
    ),
)

# --- several functions, step by step ----------------------------------------------------------------------

MULTI_STEP = Task(
    name="multi_step",
    family="multi_step",
    goal=(
        "Fix the three functions in main.py: double(x) returns x times 2, last(items) returns the last element "
        "of the list, and middle(items) returns the middle element of a list of odd length. The score is the "
        "fraction of functions that are right."
    ),
    program=D(
        '''\
        def double(x):
            """Return x times 2."""
            return x + 2


        def last(items):
            """Return the last element of the list."""
            return items[0]


        def middle(items):
            """Return the middle element of a list of odd length."""
            return items[len(items) / 2]
        '''
    ),
    reference=D(
        """\
        def double(x):
            return x * 2


        def last(items):
            return items[-1]


        def middle(items):
            return items[len(items) // 2]
        """
    ),
    checks=D(
        """\
        def score(main):
            groups = {
                "double": [((3,), 6), ((0,), 0), ((-4,), -8)],
                "last": [(([1, 2, 3],), 3), ((["a"],), "a"), (([5, 9],), 9)],
                "middle": [(([1, 2, 3],), 2), (([7],), 7), (([4, 5, 6, 7, 8],), 6)],
            }
            return sum(function_right(main, name, cases) for name, cases in groups.items()) / len(groups)
        """
    ),
)

MULTI_STEP_METHODS = Task(
    name="multi_step_methods",
    family="multi_step",
    goal=(
        "Fix the three methods of Rectangle in main.py: area() returns width times height, perimeter() returns "
        "twice the sum of width and height, is_square() says whether width equals height. The score is the "
        "fraction of methods that are right."
    ),
    program=D(
        '''\
        class Rectangle:
            """A rectangle of a width and a height."""

            def __init__(self, width, height):
                self.width = width
                self.height = height

            def area(self):
                """Return the area: width times height."""
                return self.width + self.height

            def perimeter(self):
                """Return the perimeter: twice the sum of width and height."""
                return self.width * 2

            def is_square(self):
                """Return True when width equals height, else False."""
                return False
        '''
    ),
    reference=D(
        """\
        class Rectangle:
            def __init__(self, width, height):
                self.width = width
                self.height = height

            def area(self):
                return self.width * self.height

            def perimeter(self):
                return 2 * (self.width + self.height)

            def is_square(self):
                return self.width == self.height
        """
    ),
    checks=D(
        """\
        def score(main):
            shapes = [(2, 3), (4, 4), (1, 5), (0, 7)]
            expected = {
                "area": [6, 16, 5, 0],
                "perimeter": [10, 16, 12, 14],
                "is_square": [False, True, False, False],
            }
            right = 0
            for method, values in expected.items():
                ok = True
                for (w, h), value in zip(shapes, values):
                    got = attempt(lambda: getattr(main.Rectangle(w, h), method)())
                    ok = check(f"Rectangle({w}, {h}).{method}() == {value!r}", got == value, got) and ok
                right += ok
            return right / len(expected)
        """
    ),
)

# --- fit a small model on a dataset inside scikit-learn's wheel -------------------------------------------

FIT_DIABETES = Task(
    name="fit_diabetes",
    family="model_fit",
    goal=(
        "Improve make_model() in main.py: the regressor it returns is fitted on scikit-learn's diabetes data "
        "(load_diabetes) and scored by R^2 on a held-back quarter. The score is that R^2: higher is better."
    ),
    program=D(
        '''\
        from sklearn.linear_model import Ridge

        ALPHA = 1000.0


        def make_model():
            """The regressor to fit on the diabetes data."""
            return Ridge(alpha=ALPHA)
        '''
    ),
    reference=D(
        """\
        from sklearn.linear_model import Ridge


        def make_model():
            return Ridge(alpha=0.1)
        """
    ),
    checks=D(
        """\
        def score(main):
            from sklearn.datasets import load_diabetes
            from sklearn.model_selection import train_test_split

            X, y = load_diabetes(return_X_y=True)
            X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
            model = main.make_model()
            model.fit(X_train, y_train)
            r2 = float(model.score(X_val, y_val))
            check(f"validation R^2 {r2:.4f}", r2 > 0.35, r2)
            return r2
        """
    ),
    solve_at=0.95,
)

FIT_WINE = Task(
    name="fit_wine",
    family="model_fit",
    goal=(
        "Improve make_model() in main.py: the classifier it returns is fitted on scikit-learn's wine data "
        "(load_wine) and scored by accuracy on a held-back 30%. The score is that accuracy: higher is better."
    ),
    program=D(
        '''\
        from sklearn.linear_model import LogisticRegression

        C = 0.0001


        def make_model():
            """The classifier to fit on the wine data."""
            return LogisticRegression(C=C, max_iter=50)
        '''
    ),
    reference=D(
        """\
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler


        def make_model():
            return make_pipeline(StandardScaler(), LogisticRegression(max_iter=200))
        """
    ),
    checks=D(
        """\
        def score(main):
            from sklearn.datasets import load_wine
            from sklearn.model_selection import train_test_split

            X, y = load_wine(return_X_y=True)
            X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
            model = main.make_model()
            model.fit(X_train, y_train)
            accuracy = float(model.score(X_val, y_val))
            check(f"validation accuracy {accuracy:.4f}", accuracy > 0.95, accuracy)
            return accuracy
        """
    ),
    solve_at=0.9,
)

# --- a combinatorial heuristic, no optimum given ----------------------------------------------------------

TOUR = Task(
    name="tour",
    family="heuristic",
    goal=(
        "Improve tour(points) in main.py: it returns the order (indices, each once) in which to visit 30 points "
        "and come back. The score is 1000 divided by the length of that closed tour: higher is better."
    ),
    program=D(
        '''\
        def tour(points):
            """Return an order to visit the points: a list holding each index once. Shorter closed tours are better."""
            return list(range(len(points)))
        '''
    ),
    reference=D(
        """\
        import math


        def tour(points):
            order, left = [0], set(range(1, len(points)))
            while left:
                here = points[order[-1]]
                nearest = min(left, key=lambda i: math.dist(here, points[i]))
                order.append(nearest)
                left.remove(nearest)
            improved = True
            while improved:
                improved = False
                for i in range(1, len(order) - 1):
                    for j in range(i + 1, len(order)):
                        a, b = points[order[i - 1]], points[order[i]]
                        c, d = points[order[j]], points[order[(j + 1) % len(order)]]
                        if math.dist(a, c) + math.dist(b, d) < math.dist(a, b) + math.dist(c, d) - 1e-9:
                            order[i : j + 1] = reversed(order[i : j + 1])
                            improved = True
            return order
        """
    ),
    checks=D(
        """\
        def score(main):
            import math
            import random

            rng = random.Random(7)
            points = [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(30)]
            order = attempt(main.tour, list(points))
            valid = isinstance(order, list) and sorted(order) == list(range(len(points)))
            if not check("tour returns each index once", valid, order):
                return 0.0
            length = sum(math.dist(points[order[i]], points[order[i - 1]]) for i in range(len(order)))
            check(f"tour length {length:.1f}", True, length)
            return 1000.0 / length
        """
    ),
    solve_at=0.9,
)

PACKING = Task(
    name="packing",
    family="heuristic",
    goal=(
        "Improve pack(sizes, capacity) in main.py: it puts 40 items into bins whose total size is at most capacity, "
        "and returns the bins as lists of item indices. The score is how full the bins are on average (the sum of "
        "the sizes over capacity times the number of bins): higher is better."
    ),
    program=D(
        '''\
        def pack(sizes, capacity):
            """Return the bins: lists of item indices, each item in one bin, each bin's sizes summing to at most capacity."""
            return [[i] for i in range(len(sizes))]
        '''
    ),
    reference=D(
        """\
        def pack(sizes, capacity):
            bins, room = [], []
            for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
                for b, left in enumerate(room):
                    if sizes[i] <= left:
                        bins[b].append(i)
                        room[b] -= sizes[i]
                        break
                else:
                    bins.append([i])
                    room.append(capacity - sizes[i])
            return bins
        """
    ),
    checks=D(
        """\
        def score(main):
            import random

            rng = random.Random(11)
            sizes = [rng.randint(5, 60) for _ in range(40)]
            capacity = 100
            bins = attempt(main.pack, list(sizes), capacity)
            valid = isinstance(bins, list) and all(isinstance(b, list) for b in bins)
            valid = valid and sorted(i for b in bins for i in b) == list(range(len(sizes)))
            valid = valid and all(sum(sizes[i] for i in b) <= capacity for b in bins)
            if not check("every item in one bin, no bin over capacity", valid, bins if not valid else len(bins)):
                return 0.0
            fill = sum(sizes) / (capacity * len(bins))
            check(f"{len(bins)} bins, {fill:.3f} full", True, fill)
            return fill
        """
    ),
    solve_at=0.9,
)

TASKS = {
    task.name: task
    for task in (
        REPAIR,
        REPAIR_LARGEST,
        IMPLEMENT_FACTORIAL,
        IMPLEMENT_VOWELS,
        FIT_CURVE,
        TUNE_CONTROLLER,
        SPEED_FIB,
        SPEED_PRIMES,
        SLUGIFY,
        WORD_COUNT,
        MULTI_STEP,
        MULTI_STEP_METHODS,
        FIT_DIABETES,
        FIT_WINE,
        TOUR,
        PACKING,
    )
}

# The split, published with the suite (issue 19). It never changes: tune on dev, report held_out separately.
SPLIT: dict[str, tuple[str, ...]] = {
    "dev": (
        "repair",
        "implement_factorial",
        "fit_curve",
        "speed_fib",
        "slugify",
        "multi_step",
        "fit_diabetes",
        "tour",
    ),
    "held_out": (
        "repair_largest",
        "implement_vowels",
        "tune_controller",
        "speed_primes",
        "word_count",
        "multi_step_methods",
        "fit_wine",
        "packing",
    ),
}
FAMILIES = tuple(dict.fromkeys(task.family for task in TASKS.values()))
