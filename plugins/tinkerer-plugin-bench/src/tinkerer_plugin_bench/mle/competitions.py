"""mle-lite's competitions: offline data sets in Kaggle's shape, each with its metric and description.

Every data set is built on this machine without a network: from the data sets inside scikit-learn's wheel
(its ``load_*`` functions) or generated from a fixed seed. scikit-learn is imported when data is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinkerer_core import Direction
from tinkerer_plugin_bench.mle.house_prices import houses

Cell = float | int | str


@dataclass(frozen=True)
class Metric:
    """How predictions are scored: ``rmse``, ``rmse_log`` (on the natural log of both) or ``accuracy``."""

    name: str
    direction: Direction
    label: str  # as the description names it


RMSE = Metric("rmse", Direction.MINIMIZE, "root mean squared error")
RMSE_LOG = Metric(
    "rmse_log", Direction.MINIMIZE, "root mean squared error between the logarithms of prediction and truth"
)
ACCURACY = Metric("accuracy", Direction.MAXIMIZE, "accuracy (the share of rows whose label is right)")


@dataclass(frozen=True)
class Dataset:
    """Rows of features and their targets, in a fixed order."""

    features: tuple[str, ...]
    rows: list[list[Cell]]
    targets: list[Cell]


@dataclass(frozen=True)
class Competition:
    """One mle-lite problem: its data, how it is split, scored and described."""

    id: str
    title: str
    kind: str  # tabular | image, regression | classification
    metric: Metric
    id_column: str
    target: str
    make: Callable[[], Dataset]
    overview: str  # the description's first section
    data_notes: str  # what the columns hold
    split_seed: int = 0
    test_fraction: float = 0.25

    @property
    def task(self) -> str:
        return "classification" if self.metric is ACCURACY else "regression"


def house_prices_data() -> Dataset:
    """1,000 synthetic houses (``random.Random(2024)``, the generator of examples/house_prices.py)."""
    rows = houses(1000, seed=2024)
    features = ("sqft", "bedrooms", "bathrooms", "age", "garage", "neighborhood")
    return Dataset(features, [[row[name] for name in features] for row in rows], [row["price"] for row in rows])  # type: ignore[misc]


def diabetes_data() -> Dataset:
    """scikit-learn's diabetes data set (442 patients, unscaled): disease progression after one year."""
    from sklearn.datasets import load_diabetes

    bunch: Any = load_diabetes(scaled=False)
    return Dataset(tuple(bunch.feature_names), _cells(bunch.data), [float(value) for value in bunch.target])


def breast_cancer_data() -> Dataset:
    """scikit-learn's Wisconsin breast cancer data set (569 tumours): M (malignant) or B (benign)."""
    from sklearn.datasets import load_breast_cancer

    bunch: Any = load_breast_cancer()
    names = tuple(name.replace(" ", "_") for name in bunch.feature_names)
    return Dataset(names, _cells(bunch.data), ["M" if label == 0 else "B" for label in bunch.target])


def digits_data() -> Dataset:
    """scikit-learn's handwritten digits (1,797 images of 8x8 pixels, values 0 to 16), as digit-recognizer has them."""
    from sklearn.datasets import load_digits

    bunch: Any = load_digits()
    return Dataset(
        tuple(f"pixel{index}" for index in range(64)),
        [[int(value) for value in image] for image in bunch.data],
        [int(label) for label in bunch.target],
    )


BLOB_SIDE, BLOB_IMAGES, BLOB_SEED = 12, 1200, 11


def blob_data() -> Dataset:
    """1,200 generated 12x12 grey images (``numpy.random.default_rng(11)``), each a soft blob of radius 1 to 3
    pixels at a random place, with noise: the target is the radius."""
    import numpy as np

    rng = np.random.default_rng(BLOB_SEED)
    grid = np.arange(BLOB_SIDE)
    ys, xs = np.meshgrid(grid, grid, indexing="ij")
    rows: list[list[Cell]] = []
    radii: list[Cell] = []
    for _ in range(BLOB_IMAGES):
        radius = float(rng.uniform(1.0, 3.0))
        cy, cx = rng.uniform(3.0, BLOB_SIDE - 4.0, size=2)
        brightness = rng.uniform(150, 255)
        image = brightness * np.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * radius**2))
        image = np.clip(image + rng.normal(0, 12, image.shape), 0, 255)
        rows.append([round(float(value)) for value in image.ravel()])
        radii.append(round(radius, 4))
    return Dataset(tuple(f"pixel{index}" for index in range(BLOB_SIDE * BLOB_SIDE)), rows, radii)


def _cells(data: Any) -> list[list[Cell]]:
    return [[float(value) for value in row] for row in data]


COMPETITIONS = {
    competition.id: competition
    for competition in (
        Competition(
            id="house-prices",
            title="House Prices (synthetic)",
            kind="tabular regression",
            metric=RMSE_LOG,
            id_column="Id",
            target="SalePrice",
            make=house_prices_data,
            overview="Predict the sale price of each house from its size, rooms, age, garage and neighbourhood.",
            data_notes="sqft (living area), bedrooms, bathrooms, age (years), garage (0 or 1), neighborhood "
            "(riverside, old_town, suburb or industrial); train.csv also has SalePrice (dollars).",
            split_seed=1,
        ),
        Competition(
            id="diabetes",
            title="Diabetes Progression",
            kind="tabular regression",
            metric=RMSE,
            id_column="id",
            target="progression",
            make=diabetes_data,
            overview="Predict a quantitative measure of diabetes progression one year after the baseline.",
            data_notes="age, sex, bmi (body mass index), bp (blood pressure) and six blood serum measurements "
            "s1 to s6; train.csv also has progression.",
            split_seed=2,
        ),
        Competition(
            id="breast-cancer",
            title="Breast Cancer Diagnosis",
            kind="tabular classification",
            metric=ACCURACY,
            id_column="id",
            target="diagnosis",
            make=breast_cancer_data,
            overview="Diagnose each tumour as malignant (M) or benign (B) from measurements of its cell nuclei.",
            data_notes="30 measurements (mean, standard error and worst value of radius, texture, perimeter, area, "
            "smoothness, compactness, concavity, concave points, symmetry, fractal dimension); train.csv also has "
            "diagnosis (M or B).",
            split_seed=3,
        ),
        Competition(
            id="digits",
            title="Digit Recognizer (8x8)",
            kind="image classification",
            metric=ACCURACY,
            id_column="ImageId",
            target="Label",
            make=digits_data,
            overview="Recognise the handwritten digit (0 to 9) in each 8x8 grey image.",
            data_notes="pixel0 to pixel63: the image row by row, each pixel's darkness from 0 to 16; train.csv also "
            "has Label (the digit).",
            split_seed=4,
        ),
        Competition(
            id="blob-radius",
            title="Blob Radius",
            kind="image regression",
            metric=RMSE,
            id_column="id",
            target="radius",
            make=blob_data,
            overview="Estimate the radius, in pixels, of the soft round blob in each 12x12 grey image.",
            data_notes="pixel0 to pixel143: the image row by row, brightness 0 to 255 with noise; train.csv also has "
            "radius (1 to 3).",
            split_seed=5,
        ),
    )
}


def description(competition: Competition, train_rows: int, test_rows: int, sample: str) -> str:
    """The competition's ``description.md``, as MLE-bench's ``prepare`` leaves one in ``public/``."""
    columns = f"{competition.id_column},{competition.target}"
    return f"""# {competition.title}

## Overview

{competition.overview}

## Data

- `train.csv`: {train_rows} rows with {competition.id_column}, the features and {competition.target}.
- `test.csv`: {test_rows} rows with {competition.id_column} and the features; predict their {competition.target}.
- `sample_submission.csv`: a submission in the right format.

Columns: {competition.data_notes}

## Evaluation

Submissions are scored by {competition.metric.label} on the test rows ({_better(competition.metric)}).

The submission file has a header and one row per test row:

```
{columns}
{sample}
...
```
"""


def _better(metric: Metric) -> str:
    return "lower is better" if metric.direction is Direction.MINIMIZE else "higher is better"
