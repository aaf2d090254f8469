"""Conformance examples for the data input/output modules, and the in-memory stores they run with."""

from __future__ import annotations

from typing import Any

from modules.sdk import DataTable
from tests.modules import data
from tests.modules.examples import Example


class MemoryDatasetStore:
    """A dataset store that keeps versions in a dict: enough for module tests, not for the product."""

    def __init__(self, tables: dict[str, DataTable] | None = None) -> None:
        self.tables: dict[str, DataTable] = dict(tables or {})

    def load(self, reference: str) -> DataTable:
        if reference not in self.tables:
            raise LookupError(reference)
        table = self.tables[reference]
        return DataTable.from_frame(table.df.copy(), like=table)

    def save(self, table: DataTable, name: str) -> str:
        version = 1 + sum(1 for ref in self.tables if ref.startswith(f"{name}@"))
        reference = f"{name}@{version}"
        self.tables[reference] = table
        return reference


class MemoryFileStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def save(self, filename: str, data: bytes) -> str:
        self.files[filename] = data
        return f"files/{filename}"


def memory_services() -> dict[str, Any]:
    return {
        "datasets": MemoryDatasetStore({"penguins@1": data.penguins()}),
        "files": MemoryFileStore(),
    }


EXAMPLES = {
    "data_input_output.import_data": Example(
        params={"data_source": "Sample dataset", "sample_dataset": "penguins"},
        services=memory_services,
    ),
    "data_input_output.enter_data_manually": Example(
        params={"data_format": "CSV", "data": "name,age,score\nann,31,4.5\nbob,,3.0\ncid,45,\n"},
    ),
    "data_input_output.export_data": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={"destination": "New dataset version", "dataset_name": "penguins-copy"},
        services=memory_services,
    ),
}
