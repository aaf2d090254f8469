"""Datasets: upload, versions, column edits, profiles, references for Import Data, deletes.

References (what Import Data's ``dataset`` parameter holds, and what Export Data returns):

- ``"<dataset uuid>@<n>"``: version ``n``, pinned; it never changes meaning (numbers are never reused).
- ``"<dataset uuid>"`` (or ``"<dataset uuid>@latest"``): the newest version when it is resolved.

A reference only resolves inside the workspace that owns the dataset; from any other workspace it is
unknown (``LookupError``), exactly like a reference that never existed.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.db import IntegrityError, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import status

from designer.artifacts import store as artifacts
from designer.artifacts.models import Artifact
from designer.core.api_errors import ApiError
from designer.workspaces.models import Workspace
from modules.sdk import ColumnMeta, DataTable, ModuleError, PortType, codecs

from . import ingest, profiling
from .models import Dataset, DatasetVersion, ProfileStatus, VersionSource

log = logging.getLogger(__name__)

IMPORT_DATA = "data_input_output.import_data"
REGISTERED_SOURCE = "Registered dataset"  # Import Data's data_source for registered datasets (its default)
# The dashed UUID form only: delete protection finds references by searching graphs for that text.
_REFERENCE = re.compile(r"^\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
                        r"(?:@(\d+|latest))?\s*$")  # fmt: skip
COLUMN_TYPES = ("integer", "double", "boolean", "string", "datetime", "categorical")
COLUMN_FLAGS = ("is_feature", "is_label", "is_score", "categorical")


# --------------------------------------------------------------------------------------------------
# References
# --------------------------------------------------------------------------------------------------


def parse_reference(reference: Any) -> tuple[uuid.UUID, int | None]:
    """(dataset id, version number or None for the latest); ``LookupError`` when it is not one."""
    match = _REFERENCE.match(reference) if isinstance(reference, str) else None
    if match is None:
        raise LookupError(f"{reference!r} is not a dataset reference (expected '<dataset id>@<version>')")
    number = match.group(2)
    return uuid.UUID(match.group(1)), (int(number) if number and number != "latest" else None)


def format_reference(dataset_id: Any, number: int | None = None) -> str:
    return f"{dataset_id}@{number}" if number is not None else str(dataset_id)


def resolve_reference(workspace_id: int | None, reference: str) -> DatasetVersion:
    """The version a reference names, within ``workspace_id``; ``LookupError`` if there is none."""
    dataset_id, number = parse_reference(reference)
    if workspace_id is None:
        raise LookupError("there is no workspace to look the dataset up in")
    versions = DatasetVersion.objects.select_related("dataset").filter(
        dataset_id=dataset_id, dataset__workspace_id=workspace_id
    )
    version = (
        versions.filter(number=number).first() if number is not None else versions.order_by("-number").first()
    )
    if version is None:
        raise LookupError(f"there is no dataset version {reference!r} in this workspace")
    return version


def pin_reference(workspace_id: int | None, reference: str) -> str:
    """``"<id>"`` becomes ``"<id>@<latest n>"``; a pinned reference is checked and returned as it is."""
    return resolve_reference(workspace_id, reference).reference


def reference_schema(workspace_id: int | None, reference: str) -> list[dict[str, Any]] | None:
    """The column schema (name, type, flags) of the version a reference names, for design-time column
    pickers; None when it does not resolve."""
    try:
        return list(resolve_reference(workspace_id, reference).columns)
    except LookupError:
        return None


# --------------------------------------------------------------------------------------------------
# Creating versions
# --------------------------------------------------------------------------------------------------


def writable_workspace(user, workspace_id: Any = None) -> Workspace:
    """The workspace an upload goes to: the one asked for (if the user may write there) or their own."""
    from designer.workspaces.services import can_write, personal_workspace

    if workspace_id in (None, ""):
        return personal_workspace(user)
    try:
        workspace = Workspace.objects.get(pk=int(workspace_id))
    except (ValueError, TypeError, Workspace.DoesNotExist):
        workspace = None
    if workspace is None or not can_write(user, workspace.pk):
        raise ApiError(
            "forbidden_workspace",
            "You cannot add datasets to that workspace (it does not exist, or your role there is reader).",
            status_code=status.HTTP_403_FORBIDDEN,
            field="workspace",
        )
    return workspace


def upload_dataset(
    user,
    *,
    path: str | Path,
    filename: str,
    name: str | None = None,
    description: str | None = None,
    workspace: Workspace | None = None,
    declared_format: str | None = None,
) -> DatasetVersion:
    """Parse an uploaded file (on disk) and register it as the next version of the dataset ``name``.

    Every check runs before anything is written: a refused file leaves no dataset, version or artifact.
    """
    filename = ingest.clean_name(filename, field="file", what="file name") if filename else "upload"
    name = ingest.clean_name(name if name not in (None, "") else Path(filename).stem or filename)
    fmt = ingest.format_of(filename, declared_format)
    parsed = ingest.parse_file(path, filename, fmt)
    return create_version(
        workspace or writable_workspace(user),
        name,
        parsed.table,
        user=user,
        description=description,
        source=VersionSource.UPLOAD,
        fmt=parsed.format,
        filename=filename,
        size=Path(path).stat().st_size,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
    )


def _encode(table: DataTable) -> tuple[bytes, str]:
    try:
        return codecs.encode(PortType.DATASET, table)
    except Exception as exc:  # pyarrow raises several kinds for a column it cannot type
        raise ApiError(
            "unsupported_values",
            f"The table cannot be stored: a column holds values of more than one type ({str(exc)[:200]}).",
            field="file",
        ) from None


def create_version(
    workspace: Workspace,
    name: str,
    table: DataTable,
    *,
    user=None,
    description: str | None = None,
    source: str = VersionSource.UPLOAD,
    fmt: str = "arrow",
    filename: str = "",
    size: int | None = None,
    encoding: str = "",
    delimiter: str = "",
    derived_from: DatasetVersion | None = None,
) -> DatasetVersion:
    """Store ``table`` and record it as the next version of ``name`` in ``workspace`` (created if new)."""
    name = ingest.clean_name(name)
    data, media_type = _encode(table)
    digest = artifacts.save_bytes(data, media_type, PortType.DATASET)
    try:
        with transaction.atomic():
            dataset = _dataset_for_update(workspace, name, user)
            _hold_artifact(digest, data, media_type)
            number = dataset.last_number + 1
            changes: dict[str, Any] = {"last_number": number, "updated_at": timezone.now()}
            if description is not None and description.strip():
                changes["description"] = description.strip()
            Dataset.objects.filter(pk=dataset.pk).update(**changes)
            version = DatasetVersion.objects.create(
                dataset=dataset,
                number=number,
                digest=digest,
                source=source,
                derived_from=derived_from,
                original_filename=filename[:255],
                format=fmt,
                size=len(data) if size is None else size,
                rows=len(table),
                columns=table.schema(),
                encoding=encoding,
                delimiter=delimiter,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            queue_profile(version)
    except BaseException:
        free_artifact_if_unused(digest)
        raise
    return version


def _dataset_for_update(workspace: Workspace, name: str, user) -> Dataset:
    for _ in range(2):
        dataset = Dataset.objects.select_for_update().filter(workspace=workspace, name=name).first()
        if dataset is not None:
            return dataset
        try:
            with transaction.atomic():
                return Dataset.objects.create(
                    workspace=workspace,
                    name=name,
                    created_by=user if getattr(user, "is_authenticated", False) else None,
                )
        except IntegrityError:  # created at the same moment by another upload: use that one
            continue
    raise ApiError(
        "conflict", f"The dataset {name!r} is being changed by someone else; try again.", status_code=409
    )


def _hold_artifact(digest: str, data: bytes, media_type: str) -> None:
    """Lock the artifact's row (recreating it and its bytes if a concurrent delete freed them), so that a
    delete of another version with the same bytes cannot free them under the version being created."""
    held = Artifact.objects.select_for_update().filter(digest=digest).first()
    if held is None:
        Artifact.objects.create(
            digest=digest, size=len(data), media_type=media_type, port_type=PortType.DATASET
        )
    if not artifacts.store().exists(digest):
        artifacts.store().put(digest, data)


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


def load_table(version: DatasetVersion) -> DataTable:
    return artifacts.load_value(PortType.DATASET, version.digest)


def get_version(dataset: Dataset, number: Any = None) -> DatasetVersion:
    """A version of ``dataset`` by number (the latest when None); a 404 ApiError when there is none."""
    versions = dataset.versions.all()
    if number in (None, "", "latest"):
        version = versions.order_by("-number").first()
    else:
        try:
            version = versions.filter(number=int(number)).first()
        except (TypeError, ValueError):
            raise ApiError("invalid", "version must be a version number.", field="version") from None
    if version is None:
        raise ApiError(
            "version_not_found",
            f"The dataset {dataset.name!r} has no version {number}."
            if number not in (None, "", "latest")
            else f"The dataset {dataset.name!r} has no versions.",
            status_code=404,
            field="version",
        )
    return version


class WorkspaceDatasetStore:
    """The ``DatasetStore`` that Import Data and Export Data reach in a run (modules/data_io/services.py).

    Bound to the run's workspace: it resolves and saves only there.
    """

    def __init__(self, workspace_id: int | None, user=None) -> None:
        self.workspace_id = workspace_id
        self.user = user

    def pin(self, reference: str) -> str:
        """The reference with "latest" replaced by the version it names now (raises LookupError)."""
        return pin_reference(self.workspace_id, reference)

    def load(self, reference: str) -> DataTable:
        version = resolve_reference(self.workspace_id, reference)
        try:
            return load_table(version)
        except FileNotFoundError:
            raise LookupError(f"the bytes of dataset version {reference!r} are missing") from None

    def save(self, table: DataTable, name: str) -> str:
        workspace = Workspace.objects.filter(pk=self.workspace_id).first() if self.workspace_id else None
        if workspace is None:
            raise ModuleError("service_unavailable", "This run has no workspace to save the dataset in.")
        try:
            version = create_version(workspace, name, table, user=self.user, source=VersionSource.PIPELINE)
        except ApiError as exc:
            raise ModuleError(exc.error_code, exc.message, parameter="dataset_name") from None
        return version.reference


def dataset_store(workspace_id: int | None = None, user=None) -> WorkspaceDatasetStore:
    return WorkspaceDatasetStore(workspace_id, user)


# --------------------------------------------------------------------------------------------------
# Column types and flags
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnChange:
    name: str
    type: str | None = None
    is_feature: bool | None = None
    is_label: bool | None = None
    is_score: bool | None = None
    categorical: bool | None = None


def edit_columns(version: DatasetVersion, changes: list[ColumnChange], user=None) -> DatasetVersion:
    """A new version with the columns' types converted and flags set; ``version`` stays as it is."""
    table = load_table(version)
    frame = table.df.copy()
    meta = dict(table.meta)
    for change in changes:
        if change.name not in meta:
            raise ApiError(
                "unknown_column",
                f"Version {version.number} has no column {change.name!r}. Columns: "
                f"{', '.join(table.columns[:20])}{' ...' if len(table.columns) > 20 else ''}.",
                field="columns",
            )
        if change.type is not None:
            frame[change.name] = convert_column(frame[change.name], change.type)
            if change.type == "categorical" and change.categorical is None:
                meta[change.name] = ColumnMeta(**{**asdict(meta[change.name]), "categorical": True})
        flags = {f: getattr(change, f) for f in COLUMN_FLAGS if getattr(change, f) is not None}
        if flags:
            meta[change.name] = ColumnMeta(**{**asdict(meta[change.name]), **flags})
    labels = [c for c, m in meta.items() if m.is_label]
    if len(labels) > 1:
        raise ApiError(
            "several_labels",
            f"Only one column can be the label; {', '.join(repr(c) for c in labels)} are all marked. Unmark "
            "all but one (set is_label to false).",
            field="columns",
        )
    edited = DataTable(frame, meta)
    return create_version(
        version.dataset.workspace,
        version.dataset.name,
        edited,
        user=user,
        source=VersionSource.EDIT,
        fmt=version.format,
        filename=version.original_filename,
        encoding=version.encoding,
        delimiter=version.delimiter,
        derived_from=version,
    )


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def convert_column(series: pd.Series, kind: str) -> pd.Series:
    """``series`` as ``kind``; a 400 naming the column and the first value that does not convert."""
    name = str(series.name)
    if kind not in COLUMN_TYPES:
        raise ApiError(
            "invalid_type",
            f"Unknown column type {kind!r}; use one of {', '.join(COLUMN_TYPES)}.",
            field="columns",
        )
    present = series.notna()
    if kind == "string":
        return series.map(lambda v: v if pd.isna(v) else _text(v)).astype("str")
    if kind == "categorical":
        return series.astype("category")
    if kind == "boolean":
        if not present.all():
            raise _missing_values(name, kind, int((~present).sum()))
        if pd.api.types.is_bool_dtype(series.dtype):
            return series.astype(bool)
        text = series.map(lambda v: str(v).strip().lower())
        bad = ~text.isin(_TRUE | _FALSE)
        if bad.any():
            raise _not_convertible(name, kind, series[bad].iloc[0], "true/false, yes/no or 1/0")
        return text.isin(_TRUE)
    if kind == "datetime":
        try:
            converted = pd.to_datetime(series, errors="coerce", format="mixed")
        except (TypeError, ValueError):
            converted = pd.Series(pd.NaT, index=series.index)
        bad = present & converted.isna()
        if bad.any():
            raise _not_convertible(name, kind, series[bad].iloc[0], "a date or time like 2024-05-31 12:00")
        return converted
    numbers = series if pd.api.types.is_bool_dtype(series.dtype) else pd.to_numeric(series, errors="coerce")
    numbers = numbers.astype("float64")
    bad = present & numbers.isna()
    if bad.any():
        raise _not_convertible(name, kind, series[bad].iloc[0], "a number")
    if kind == "double":
        return numbers
    if not present.all():
        raise _missing_values(name, kind, int((~present).sum()))
    fractional = numbers[~np.isclose(numbers, np.round(numbers))] if len(numbers) else numbers
    if len(fractional):
        raise _not_convertible(name, kind, fractional.iloc[0], "a whole number")
    return numbers.round().astype("int64")


def _text(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _not_convertible(name: str, kind: str, value: Any, expected: str) -> ApiError:
    return ApiError(
        "invalid_conversion",
        f"Column {name!r} cannot become {kind}: the value {str(value)[:50]!r} is not {expected}.",
        field="columns",
    )


def _missing_values(name: str, kind: str, count: int) -> ApiError:
    return ApiError(
        "invalid_conversion",
        f"Column {name!r} cannot become {kind}: it has {count} missing value(s). Use double (numbers) or "
        "string, or fill the missing values first (Clean Missing Data).",
        field="columns",
    )


# --------------------------------------------------------------------------------------------------
# Profiles (computed by the Celery task in tasks.py)
# --------------------------------------------------------------------------------------------------


def queue_profile(version: DatasetVersion) -> None:
    """Queue the profile job once the version is committed."""
    version_id = version.pk
    transaction.on_commit(lambda: _send_profile(version_id))


def requeue_profile(version: DatasetVersion) -> None:
    DatasetVersion.objects.filter(pk=version.pk).exclude(profile_status=ProfileStatus.READY).update(
        profile_status=ProfileStatus.PENDING, profile_error=""
    )
    queue_profile(version)


def _send_profile(version_id: int) -> None:
    from .tasks import profile_version

    try:
        profile_version.apply_async(args=[version_id], queue="cpu")
    except Exception:  # the broker is down: the profile stays pending, the upload still succeeded
        log.warning("could not queue the profile of dataset version %s", version_id, exc_info=True)


def compute_profile(version_id: int) -> str:
    """Compute and store a version's profile; a finished profile is never recomputed."""
    version = DatasetVersion.objects.filter(pk=version_id).first()
    if version is None:
        return "missing"
    if version.profile_status == ProfileStatus.READY:
        return "ready"
    DatasetVersion.objects.filter(pk=version_id).update(profile_status=ProfileStatus.RUNNING)
    try:
        profile = profiling.profile_table(load_table(version))
    except Exception as exc:
        log.exception("profiling dataset version %s failed", version_id)
        DatasetVersion.objects.filter(pk=version_id).update(
            profile_status=ProfileStatus.FAILED, profile_error=f"{type(exc).__name__}: {str(exc)[:500]}"
        )
        return "failed"
    DatasetVersion.objects.filter(pk=version_id).update(
        profile=profile, profile_status=ProfileStatus.READY, profile_error=""
    )
    return "ready"


# --------------------------------------------------------------------------------------------------
# In use, and deleting
# --------------------------------------------------------------------------------------------------

InUseCheck = Callable[[DatasetVersion], "str | None"]
_in_use_checks: list[InUseCheck] = []


def register_in_use_check(check: InUseCheck) -> InUseCheck:
    """Add a reason a dataset version cannot be deleted (deployments register theirs). A check returns
    a sentence naming what uses the version, or None. Usable as a decorator."""
    if check not in _in_use_checks:
        _in_use_checks.append(check)
    return check


def dataset_version_in_use(version: DatasetVersion) -> str | None:
    """Why ``version`` cannot be deleted (what uses it), or None when nothing does."""
    for check in list(_in_use_checks):
        reason = check(version)
        if reason:
            return reason
    return None


def _graph_node_using(graph: Any, version: DatasetVersion, is_latest: bool) -> dict[str, Any] | None:
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        return None
    for node in graph["nodes"]:
        if not isinstance(node, dict) or node.get("module") != IMPORT_DATA:
            continue
        params: dict[str, Any] = node["params"] if isinstance(node.get("params"), dict) else {}
        if params.get("data_source", REGISTERED_SOURCE) != REGISTERED_SOURCE:
            continue
        try:
            dataset_id, number = parse_reference(params.get("dataset"))
        except LookupError:
            continue
        if dataset_id == version.dataset_id and (number == version.number or (number is None and is_latest)):
            return node
    return None


@register_in_use_check
def used_by_pipelines(version: DatasetVersion) -> str | None:
    """Pipeline drafts and frozen pipeline versions (every run has one) whose Import Data names it.

    "The latest version" counts as using the version that is the latest now.
    """
    from designer.graphs.models import Pipeline, PipelineVersion

    dataset = version.dataset
    is_latest = not dataset.versions.filter(number__gt=version.number).exists()
    needle = str(dataset.id)
    what = f"Version {version.number} of dataset {dataset.name!r}"
    drafts = (
        Pipeline.objects.filter(workspace_id=dataset.workspace_id)
        .annotate(graph_text=Cast("draft", TextField()))
        .filter(graph_text__icontains=needle)
    )
    for pipeline in drafts:
        node = _graph_node_using(pipeline.draft, version, is_latest)
        if node is not None:
            return (
                f"{what} is used by pipeline {pipeline.name!r} (node {node.get('id')!r} in its draft). Point "
                "that Import Data at another dataset version, or delete the pipeline, then try again."
            )
    frozen = (
        PipelineVersion.objects.filter(pipeline__workspace_id=dataset.workspace_id)
        .select_related("pipeline")
        .annotate(graph_text=Cast("graph", TextField()))
        .filter(graph_text__icontains=needle)
    )
    for pipeline_version in frozen:
        node = _graph_node_using(pipeline_version.graph, version, is_latest)
        if node is not None:
            return (
                f"{what} is used by version {pipeline_version.number} of pipeline "
                f"{pipeline_version.pipeline.name!r} (node {node.get('id')!r}), which its runs were made "
                "from. Delete the pipeline first to delete this dataset version."
            )
    return None


def delete_version(version: DatasetVersion) -> bool:
    """Delete one version and free its bytes; the dataset goes too when it was its last version.

    Returns whether the dataset was deleted. A version in use is a 409 naming what uses it.
    """
    with transaction.atomic():
        version = DatasetVersion.objects.select_related("dataset").select_for_update().get(pk=version.pk)
        reason = dataset_version_in_use(version)
        if reason:
            raise ApiError("dataset_in_use", reason, status_code=status.HTTP_409_CONFLICT)
        dataset, digest = version.dataset, version.digest
        version.delete()
        dataset_deleted = not dataset.versions.exists()
        if dataset_deleted:
            dataset.delete()
        transaction.on_commit(lambda: free_artifact_if_unused(digest))
    return dataset_deleted


def delete_dataset(dataset: Dataset) -> None:
    """Delete a dataset with all its versions, unless one of them is in use (409 naming the user)."""
    with transaction.atomic():
        versions = list(
            DatasetVersion.objects.select_related("dataset").select_for_update().filter(dataset=dataset)
        )
        for version in versions:
            reason = dataset_version_in_use(version)
            if reason:
                raise ApiError("dataset_in_use", reason, status_code=status.HTTP_409_CONFLICT)
        digests = {v.digest for v in versions}
        dataset.delete()
        transaction.on_commit(lambda: [free_artifact_if_unused(d) for d in digests])


def _used_by_run_outputs(digest: str) -> bool:
    # Import Data hands on the same bytes it loaded, so a run's output can share a version's artifact.
    from designer.runs.models import Step

    return (
        Step.objects.annotate(outputs_text=Cast("outputs", TextField()))
        .filter(outputs_text__contains=digest)
        .exists()
    )


def free_artifact_if_unused(digest: str) -> bool:
    """Delete an artifact's bytes and row when no dataset version and no run output refers to it."""
    with transaction.atomic():
        Artifact.objects.select_for_update().filter(digest=digest).first()
        if DatasetVersion.objects.filter(digest=digest).exists() or _used_by_run_outputs(digest):
            return False
        Artifact.objects.filter(digest=digest).delete()
        artifacts.store().delete(digest)
    return True
