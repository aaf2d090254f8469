"""What the data input/output modules need from their surroundings, and how they find it.

The run engine puts these objects into ``RunContext.services`` under the keys below; tests supply small
in-memory versions. Modules only rely on the methods listed here, so any object with them will do.

- ``services["datasets"]``: a :class:`DatasetStore`. ``load(reference)`` returns the table of a dataset
  version (a reference string such as ``"ds_01H...@3"`` or whatever the store hands out); ``save(table,
  name)`` registers the table as a new version of the dataset called ``name`` and returns its reference.
  A store raises :class:`~modules.sdk.ModuleError` (or ``LookupError``) for a reference it does not know.
- ``services["files"]``: a :class:`FileStore`. ``save(filename, data)`` stores bytes under a relative
  file name in the workspace's file area and returns where it went (a path or URL to show the user).
- ``services["sqlite_directories"]``: the folders whose SQLite files Import Data may open (a list of
  paths). SQLite reads files on the worker, so without this list no SQLite file can be read: otherwise a
  pipeline could read the designer's own database.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from modules.sdk import DataTable, ModuleError, RunContext

DATASETS = "datasets"
FILES = "files"
SQLITE_DIRECTORIES = "sqlite_directories"


@runtime_checkable
class DatasetStore(Protocol):
    def load(self, reference: str) -> DataTable: ...

    def save(self, table: DataTable, name: str) -> str: ...


@runtime_checkable
class FileStore(Protocol):
    def save(self, filename: str, data: bytes) -> str: ...


def require_service(ctx: RunContext, key: str, what: str) -> Any:
    """The service under ``key``, or a clear error saying this installation does not provide it."""
    service = ctx.services.get(key)
    if service is None:
        raise ModuleError(
            "service_unavailable",
            f"This run has no {what}, so the module cannot reach it. Run the pipeline from the designer "
            "(not from a bare script), or ask your administrator to configure it.",
        )
    return service
