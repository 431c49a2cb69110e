"""scikit-learn estimators on top of cardinal.solve: fit, predict, score, coef_, intercept_,
get_params/set_params, clone. They follow scikit-learn's conventions and pass its estimator
checks, except those listed in docs/python.md."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ._solve import solve


class _SparseLinearModel(BaseEstimator):
    _problem = None

    # One signature for both estimators: scikit-learn reads the parameters from it
    # (get_params, clone), and an inherited __init__ serves as each subclass's own.
    def __init__(
        self,
        solver="fcfgs",
        sparsity=10,
        *,
        fit_intercept=True,
        ridge=0.0,
        normalize=False,
        max_iterations=1000,
        options=None,
    ):
        self.solver = solver
        self.sparsity = sparsity
        self.fit_intercept = fit_intercept
        self.ridge = ridge
        self.normalize = normalize
        self.max_iterations = max_iterations
        self.options = options

    def _sparsity_for(self, n_features):
        # An integer budget above the number of features keeps every feature (scikit-learn
        # fits estimators on data of any width); a fraction is the command line's.
        s = self.sparsity
        if isinstance(s, numbers.Integral) and not isinstance(s, bool):
            if s < 1:
                raise ValueError(f"sparsity must be at least 1 (got {s})")
            return min(int(s), n_features)
        return s

    def _solve(self, X, y):
        options = dict(self.options or {})
        for key in ("problem", "solver", "sparsity", "intercept", "ridge", "normalize"):
            if key in options:
                raise ValueError(f"give {key!r} as a parameter of the estimator, not in options")
        self.solution_ = solve(
            X,
            y,
            problem=self._problem,
            solver=self.solver,
            sparsity=self._sparsity_for(X.shape[1]),
            intercept=self.fit_intercept,
            ridge=self.ridge,
            normalize=self.normalize,
            max_iterations=self.max_iterations,
            **options,
        )
        self.coef_ = self.solution_.coef
        self.intercept_ = self.solution_.intercept if self.fit_intercept else 0.0
        self.support_ = self.solution_.support
        self.n_iter_ = self.solution_.iterations

    def _decision(self, X):
        check_is_fitted(self, "coef_")
        X = self._validate_data(X, accept_sparse="csr", dtype=np.float64, reset=False)
        return np.asarray(X @ self.coef_).ravel() + self.intercept_


class SparseLinearRegression(RegressorMixin, _SparseLinearModel):
    """Least squares with at most ``sparsity`` nonzero coefficients, by any solver of
    ``cardinal.solvers()`` ("fcfgs", "omp", "htp", "iht", "cosamp", "grasp", "lasso", ...).

    ``options`` holds any other keyword of ``cardinal.solve`` (``{"replacement_steps": 2}``).
    """

    _problem = "least-squares"

    def fit(self, X, y):
        X, y = self._validate_data(X, y, accept_sparse="csr", dtype=np.float64, y_numeric=True)
        self._solve(X, np.ascontiguousarray(y, dtype=np.float64))
        return self

    def predict(self, X):
        return self._decision(X)


class SparseLogisticRegression(ClassifierMixin, _SparseLinearModel):
    """Binary logistic regression with at most ``sparsity`` nonzero coefficients, by "fcfgs",
    "fgs", "grasp", "htp", "iht", "niht" or "lasso". ``classes_[1]`` is the positive class."""

    _problem = "logistic"

    def fit(self, X, y):
        X, y = self._validate_data(X, y, accept_sparse="csr", dtype=np.float64)
        from sklearn.utils.multiclass import check_classification_targets

        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(
                "SparseLogisticRegression is a binary classifier: y has "
                f"{len(self.classes_)} classes"
            )
        self._solve(X, (y == self.classes_[1]).astype(np.float64))
        return self

    def decision_function(self, X):
        return self._decision(X)

    def predict_proba(self, X):
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))

    def predict(self, X):
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def _more_tags(self):
        return {"binary_only": True}
