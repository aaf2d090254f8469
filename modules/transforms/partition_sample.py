"""Partition and Sample: assign rows to folds, pick one fold, take a random sample, or take the head."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    FOLD_COLUMN,
    UINT32_MAX,
    BoolParam,
    Category,
    ChoiceParam,
    ColumnMeta,
    ColumnsParam,
    DataTable,
    FloatParam,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    register,
)

from ._row_selection import draw_fraction, single_column, strata_codes, stratum_members, take_rows

ASSIGN, PICK, SAMPLING, HEAD = "Assign to Folds", "Pick Fold", "Sampling", "Head"
EVENLY, CUSTOM = "Partition evenly", "Partition with customized proportions"
MODE = "partition_or_sample_mode"
TRUE_FALSE = ("True", "False")
_ASSIGN = {MODE: (ASSIGN,)}
_EVENLY = {MODE: (ASSIGN,), "specify_the_partitioner_method": (EVENLY,)}
_CUSTOM = {MODE: (ASSIGN,), "specify_the_partitioner_method": (CUSTOM,)}
PROPORTIONS = "list_of_proportions_separated_by_comma"


def even_folds(
    codes: np.ndarray | None, rows: int, fold_count: int, rng: np.random.RandomState | None
) -> np.ndarray:
    """0-based fold of each row, as scikit-learn's KFold (no strata) or StratifiedKFold (strata) give
    them with ``shuffle=rng is not None, random_state=seed``; strata are numbered by first appearance."""
    folds = np.empty(rows, dtype=np.int64)
    if codes is None:
        order = np.arange(rows)
        if rng is not None:
            rng.shuffle(order)
        sizes = np.full(fold_count, rows // fold_count)
        sizes[: rows % fold_count] += 1
        folds[order] = np.repeat(np.arange(fold_count), sizes)
        return folds
    # Deal the rows, sorted by stratum, round-robin over the folds: this fixes how many rows of each
    # stratum each fold gets; then hand those fold numbers to the stratum's rows in blocks (shuffled).
    strata_count = int(codes.max()) + 1
    dealt = np.sort(codes)
    allocation = np.array(
        [np.bincount(dealt[f::fold_count], minlength=strata_count) for f in range(fold_count)]
    )
    for stratum in range(strata_count):
        stratum_folds = np.repeat(np.arange(fold_count), allocation[:, stratum])
        if rng is not None:
            rng.shuffle(stratum_folds)
        folds[codes == stratum] = stratum_folds
    return folds


def proportional_folds(
    groups: list[np.ndarray], rows: int, proportions: list[float], rng: np.random.RandomState | None
) -> np.ndarray:
    """0-based fold of each row: within each group, fold i gets round(share_i × size) rows (the last fold
    the rest), taken in order from a permutation of the group (or in table order when not randomized)."""
    folds = np.empty(rows, dtype=np.int64)
    for members in groups:
        order = rng.permutation(len(members)) if rng is not None else np.arange(len(members))
        sizes, left = [], len(members)
        for share in proportions[:-1]:
            size = min(round(len(members) * share), left)
            sizes.append(size)
            left -= size
        sizes.append(left)
        folds[members[order]] = np.repeat(np.arange(len(proportions)), sizes)
    return folds


def parse_proportions(text: str | None) -> list[float]:
    try:
        shares = [float(item) for item in (text or "").split(",") if item.strip()]
    except ValueError:
        shares = []
    if not shares or any(not 0.0 <= s <= 1.0 for s in shares) or sum(shares) > 1.0 + 1e-9:
        raise ModuleError(
            "invalid_proportions",
            "List the share of rows for each fold as numbers between 0 and 1 separated by commas, adding up "
            f"to at most 1, like '0.5, 0.3, 0.2'; got {text!r}.",
            parameter=PROPORTIONS,
        )
    if sum(shares) < 1.0 - 1e-9:
        shares.append(1.0 - sum(shares))  # the rows not claimed form one more fold
    return shares


def _stratum_codes(
    table: DataTable, params: dict[str, Any], flag: str, column_param: str, title: str
) -> np.ndarray | None:
    if params[flag] != "True":
        return None
    column = single_column(table, params[column_param], column_param, title)
    return strata_codes(table.df[column])


@register
class PartitionAndSample(Module):
    """Create folds, pick a fold, sample rows at random, or take the first rows.

    - **Assign to Folds** adds a ``Fold Assignments`` column (1, 2, ...; not a feature) that Pick Fold and Cross
      Validate Model read. *Partition evenly* gives the folds of scikit-learn's
      ``KFold(n_folds, shuffle=randomized, random_state=seed)``, or with stratification those of
      ``StratifiedKFold`` (a missing key is a stratum too). *Customized proportions* (e.g. ``0.6, 0.2``;
      an extra fold takes what is left when they add up to less than 1) give each fold round(share ×
      rows) rows, per stratum when stratified. With *replacement*, each fold draws its rows at random
      with replacement (same fold sizes), so the output lists fold 1's rows, then fold 2's, and a row
      may appear several times or not at all.
    - **Pick Fold** keeps the rows of one fold (or all other rows) and drops the ``Fold Assignments`` column.
    - **Sampling** keeps round(rate × rows) rows drawn at random, in drawn order: pandas'
      ``DataFrame.sample(frac=rate, random_state=seed)``, or per stratum
      ``groupby(key, sort=False, dropna=False).sample(...)`` when stratified.
    - **Head** keeps the first N rows.

    At inference the input passes straight through.
    """

    key = "data_transformation.partition_and_sample"
    title = "Partition and Sample"
    category = Category.DATA_TRANSFORMATION
    pass_through_at_inference = True
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    params = (
        ChoiceParam(
            MODE, "Partition or sample mode", default=SAMPLING, choices=(ASSIGN, PICK, SAMPLING, HEAD)
        ),
        BoolParam(
            "use_replacement_in_the_partitioning",
            "Use replacement in the partitioning",
            default=False,
            visible_when=_ASSIGN,
        ),
        BoolParam("randomized_split", "Randomized split", default=True, visible_when=_ASSIGN),
        IntParam("random_seed", "Random seed", default=0, min=0, max=UINT32_MAX, visible_when=_ASSIGN),
        ChoiceParam(
            "specify_the_partitioner_method",
            "Specify the partitioner method",
            default=EVENLY,
            choices=(EVENLY, CUSTOM),
            visible_when=_ASSIGN,
        ),
        IntParam(
            "specify_number_of_folds_to_split_evenly_into",
            "Specify number of folds to split evenly into",
            default=5,
            min=1,
            visible_when=_EVENLY,
        ),
        ChoiceParam(
            "stratified_split", "Stratified split", default="False", choices=TRUE_FALSE, visible_when=_EVENLY
        ),
        ColumnsParam(
            "stratification_key_column",
            "Stratification key column",
            port="dataset",
            single=True,
            visible_when={**_EVENLY, "stratified_split": ("True",)},
        ),
        StringParam(PROPORTIONS, "List of proportions separated by comma", visible_when=_CUSTOM),
        ChoiceParam(
            "stratified_split_for_customized_fold_assignment",
            "Stratified split for customized fold assignment",
            default="False",
            choices=TRUE_FALSE,
            visible_when=_CUSTOM,
        ),
        ColumnsParam(
            "stratification_key_column_for_customized_fold_assignment",
            "Stratification key column for customized fold assignment",
            port="dataset",
            single=True,
            visible_when={**_CUSTOM, "stratified_split_for_customized_fold_assignment": ("True",)},
        ),
        IntParam(
            "specify_which_fold_to_be_sampled_from",
            "Specify which fold to be sampled from",
            default=1,
            min=1,
            visible_when={MODE: (PICK,)},
        ),
        BoolParam(
            "pick_complement_of_the_selected_fold",
            "Pick complement of the selected fold",
            default=False,
            visible_when={MODE: (PICK,)},
        ),
        FloatParam(
            "rate_of_sampling",
            "Rate of sampling",
            default=0.01,
            min=0.0,
            max=1.0,
            visible_when={MODE: (SAMPLING,)},
        ),
        IntParam(
            "random_seed_for_sampling",
            "Random seed for sampling",
            default=0,
            min=0,
            max=UINT32_MAX,
            visible_when={MODE: (SAMPLING,)},
        ),
        ChoiceParam(
            "stratified_split_for_sampling",
            "Stratified split for sampling",
            default="False",
            choices=TRUE_FALSE,
            visible_when={MODE: (SAMPLING,)},
        ),
        ColumnsParam(
            "stratification_key_column_for_sampling",
            "Stratification key column for sampling",
            port="dataset",
            single=True,
            visible_when={MODE: (SAMPLING,), "stratified_split_for_sampling": ("True",)},
        ),
        IntParam(
            "number_of_rows_to_select",
            "Number of rows to select",
            default=10,
            min=0,
            visible_when={MODE: (HEAD,)},
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        mode = params[MODE]
        if mode == ASSIGN:
            result = self._assign_folds(dataset, params)
        elif mode == PICK:
            result = self._pick_fold(dataset, params)
        elif mode == SAMPLING:
            codes = _stratum_codes(
                dataset,
                params,
                "stratified_split_for_sampling",
                "stratification_key_column_for_sampling",
                "Stratification key column for sampling",
            )
            groups = stratum_members(codes) if codes is not None else [np.arange(len(dataset))]
            rng = np.random.RandomState(params["random_seed_for_sampling"])
            chosen, _ = draw_fraction(groups, params["rate_of_sampling"], rng)
            result = take_rows(dataset, chosen)
        else:
            result = take_rows(dataset, np.arange(min(params["number_of_rows_to_select"], len(dataset))))
        return {"results_dataset": result}

    @staticmethod
    def _assign_folds(dataset: DataTable, params: dict[str, Any]) -> DataTable:
        rows = len(dataset)
        rng = np.random.RandomState(params["random_seed"]) if params["randomized_split"] else None
        if params["specify_the_partitioner_method"] == EVENLY:
            fold_count = params["specify_number_of_folds_to_split_evenly_into"]
            if rows < fold_count:
                raise ModuleError(
                    "too_few_rows",
                    f"The dataset has {rows} rows, too few for {fold_count} folds. Use fewer folds.",
                    parameter="specify_number_of_folds_to_split_evenly_into",
                )
            codes = _stratum_codes(
                dataset, params, "stratified_split", "stratification_key_column", "Stratification key column"
            )
            folds = even_folds(codes, rows, fold_count, rng)
        else:
            proportions = parse_proportions(params[PROPORTIONS])
            codes = _stratum_codes(
                dataset,
                params,
                "stratified_split_for_customized_fold_assignment",
                "stratification_key_column_for_customized_fold_assignment",
                "Stratification key column for customized fold assignment",
            )
            groups = stratum_members(codes) if codes is not None else [np.arange(rows)]
            folds = proportional_folds(groups, rows, proportions, rng)
            fold_count = len(proportions)
        positions = np.arange(rows)
        if params["use_replacement_in_the_partitioning"]:
            positions, folds = _draw_with_replacement(folds, codes, fold_count, params["random_seed"])
        base = dataset.df.drop(columns=[FOLD_COLUMN], errors="ignore")
        frame = base.iloc[positions].reset_index(drop=True)
        frame[FOLD_COLUMN] = pd.Series(folds + 1, dtype="int64")
        meta = {**dataset.meta, FOLD_COLUMN: ColumnMeta(is_feature=False)}
        return DataTable(frame, meta)

    @staticmethod
    def _pick_fold(dataset: DataTable, params: dict[str, Any]) -> DataTable:
        if FOLD_COLUMN not in dataset.meta:
            raise ModuleError(
                "no_fold_assignments",
                f"This dataset has no '{FOLD_COLUMN}' column. Run Partition and Sample in 'Assign to Folds' "
                "mode first and connect its output here.",
                port="dataset",
            )
        fold = params["specify_which_fold_to_be_sampled_from"]
        folds = pd.to_numeric(dataset.df[FOLD_COLUMN], errors="coerce")
        if fold > folds.max():
            raise ModuleError(
                "fold_not_found",
                f"Fold {fold} does not exist: the rows were assigned to folds 1 to {int(folds.max())}.",
                parameter="specify_which_fold_to_be_sampled_from",
            )
        chosen = (folds != fold) if params["pick_complement_of_the_selected_fold"] else (folds == fold)
        return take_rows(dataset, np.flatnonzero(chosen.to_numpy()), drop=[FOLD_COLUMN])


def _draw_with_replacement(
    folds: np.ndarray, codes: np.ndarray | None, fold_count: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Keep each fold's size (per stratum) but fill it with rows drawn at random with replacement."""
    rng = np.random.RandomState(seed)
    groups = stratum_members(codes) if codes is not None else [np.arange(len(folds))]
    positions, labels = [], []
    for fold in range(fold_count):
        for members in groups:
            count = int(np.count_nonzero(folds[members] == fold))
            positions.append(rng.choice(members, size=count, replace=True))
            labels.append(np.full(count, fold))
    return np.concatenate(positions), np.concatenate(labels)
