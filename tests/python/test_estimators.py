"""The scikit-learn estimators: scikit-learn's own estimator checks, and what a fit means."""

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import cardinal
from conftest import planted_problem


@parametrize_with_checks(
    [
        cardinal.SparseLinearRegression(),
        cardinal.SparseLinearRegression(solver="omp", sparsity=3),
        cardinal.SparseLogisticRegression(),
        cardinal.SparseLogisticRegression(solver="grasp", sparsity=3),
    ]
)
def test_scikit_learn_checks(estimator, check):
    check(estimator)


def test_linear_regression_is_cardinal_solve():
    X, y, w = planted_problem(n=100, p=60, k=5, noise=0.0)
    model = cardinal.SparseLinearRegression(solver="omp", sparsity=5).fit(X, y)
    s = cardinal.solve(X, y, solver="omp", sparsity=5, intercept=True)
    assert np.array_equal(model.coef_, s.coef) and model.intercept_ == s.intercept
    assert model.support_.tolist() == np.flatnonzero(w).tolist()
    assert np.allclose(model.predict(X), y, atol=1e-8)
    assert model.score(X, y) > 1 - 1e-12


def test_logistic_regression_classes_and_probabilities():
    X, y01, w = planted_problem(n=400, p=30, k=3, logistic=True)
    labels = np.where(y01 == 1.0, "spam", "ham")
    model = cardinal.SparseLogisticRegression(sparsity=3, options={"replacement_steps": 1})
    model.fit(X, labels)
    assert model.classes_.tolist() == ["ham", "spam"]
    s = cardinal.solve(
        X, y01, problem="logistic", sparsity=3, intercept=True, replacement_steps=1
    )
    assert np.array_equal(model.coef_, s.coef)
    proba = model.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(X) == np.where(proba[:, 1] > 0.5, "spam", "ham")).all()
    assert model.score(X, labels) > 0.75
    with pytest.raises(ValueError, match="binary classifier: y has 3 classes"):
        model.fit(X, np.arange(400) % 3)


def test_params_clone_and_cross_validation():
    model = cardinal.SparseLinearRegression(solver="htp", sparsity=4, ridge=0.1, options={"step": 0.01})
    assert model.get_params()["solver"] == "htp"
    copy = clone(model).set_params(sparsity=2)
    assert copy.sparsity == 2 and model.sparsity == 4 and copy.options == {"step": 0.01}
    X, y, _ = planted_problem(n=120, p=30, k=4)
    scores = cross_val_score(cardinal.SparseLinearRegression(sparsity=4), X, y, cv=3)
    assert (scores > 0.9).all()
    with pytest.raises(ValueError, match="give 'sparsity' as a parameter"):
        cardinal.SparseLinearRegression(options={"sparsity": 3}).fit(X, y)
