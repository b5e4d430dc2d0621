"""The ladder of reference solutions whose test scores make mle-lite's leaderboards.

Ten scikit-learn models per task, from a constant guess to gradient boosting, each trained on the public
train split and scored on the private test split by the competition's own grader; their scores, best
first, are the leaderboard a submission is ranked on (ten teams: gold means matching the best reference,
silver the second, bronze the fourth; above median beats the middle of the ladder). Every model is seeded.
String columns are one-hot encoded; the log metric's models learn the log of the target.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinkerer_plugin_bench.mle.competitions import Competition, Dataset
from tinkerer_plugin_bench.mle.grading import score

Model = Any  # a scikit-learn estimator


def _scaled(model: Model) -> Model:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), model)


class OneFeatureLinear:
    """A straight line on the single feature most correlated with the target."""

    def fit(self, features: Any, targets: Any) -> OneFeatureLinear:
        import numpy as np
        from sklearn.linear_model import LinearRegression

        spread = features.std(axis=0) > 0
        correlations = [
            abs(np.corrcoef(features[:, index], targets)[0, 1]) if spread[index] else 0.0
            for index in range(features.shape[1])
        ]
        self.column = int(np.argmax(correlations))
        self.model = LinearRegression().fit(features[:, [self.column]], targets)
        return self

    def predict(self, features: Any) -> Any:
        return self.model.predict(features[:, [self.column]])


def regressors() -> list[tuple[str, Callable[[], Model]]]:
    """The regression ladder, weakest first (as built; the leaderboard orders them by score)."""
    from sklearn.dummy import DummyRegressor
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.tree import DecisionTreeRegressor

    return [
        ("mean", lambda: DummyRegressor(strategy="mean")),
        ("median", lambda: DummyRegressor(strategy="median")),
        ("one-feature line", OneFeatureLinear),
        ("tree, depth 2", lambda: DecisionTreeRegressor(max_depth=2, random_state=0)),
        ("30 nearest neighbours", lambda: _scaled(KNeighborsRegressor(n_neighbors=30))),
        ("tree, depth 6", lambda: DecisionTreeRegressor(max_depth=6, random_state=0)),
        ("7 nearest neighbours", lambda: _scaled(KNeighborsRegressor(n_neighbors=7))),
        ("ridge regression", lambda: _scaled(Ridge(alpha=1.0))),
        ("random forest", lambda: RandomForestRegressor(n_estimators=200, random_state=0, n_jobs=1)),
        (
            "gradient boosting",
            lambda: GradientBoostingRegressor(n_estimators=300, learning_rate=0.05, max_depth=3, random_state=0),
        ),
    ]


def classifiers() -> list[tuple[str, Callable[[], Model]]]:
    """The classification ladder, weakest first."""
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    return [
        ("majority class", lambda: DummyClassifier(strategy="most_frequent")),
        ("stratified guess", lambda: DummyClassifier(strategy="stratified", random_state=0)),
        ("stump", lambda: DecisionTreeClassifier(max_depth=1, random_state=0)),
        ("gaussian naive bayes", GaussianNB),
        ("tree, depth 3", lambda: DecisionTreeClassifier(max_depth=3, random_state=0)),
        ("25 nearest neighbours", lambda: _scaled(KNeighborsClassifier(n_neighbors=25))),
        ("5 nearest neighbours", lambda: _scaled(KNeighborsClassifier(n_neighbors=5))),
        ("logistic regression", lambda: _scaled(LogisticRegression(max_iter=5000))),
        ("random forest", lambda: RandomForestClassifier(n_estimators=300, random_state=0, n_jobs=1)),
        ("rbf support vectors", lambda: _scaled(SVC(C=10.0, gamma="scale"))),
    ]


def encode(train: Dataset, other: Dataset) -> tuple[Any, Any]:
    """Both data sets' features as float matrices, string columns one-hot encoded by the train set's values."""
    import numpy as np

    columns = list(zip(*train.rows, strict=True))
    categories = [sorted(set(map(str, column))) if isinstance(column[0], str) else None for column in columns]

    def matrix(data: Dataset) -> Any:
        encoded = []
        for row in data.rows:
            values: list[float] = []
            for cell, known in zip(row, categories, strict=True):
                values.extend([float(cell == value) for value in known] if known is not None else [float(cell)])
            encoded.append(values)
        return np.asarray(encoded, dtype=float)

    return matrix(train), matrix(other)


def ladder_scores(competition: Competition, train: Dataset, test: Dataset) -> list[tuple[str, float]]:
    """Each reference solution's score on ``test`` after training on ``train``, in ladder order."""
    import numpy as np

    features, test_features = encode(train, test)
    log_target = competition.metric.name == "rmse_log"
    targets = np.asarray(train.targets, dtype=float) if competition.task == "regression" else np.asarray(train.targets)
    ladder = regressors() if competition.task == "regression" else classifiers()
    scores = []
    for name, make in ladder:
        model = make().fit(features, np.log(targets) if log_target else targets)
        predictions = model.predict(test_features)
        predicted = np.exp(predictions) if log_target else predictions
        scores.append((name, score(competition.metric, list(predicted.tolist()), test.targets)))
    return scores
