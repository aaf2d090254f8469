"""Import Data: bring a table into the pipeline from a registered dataset, a sample, a URL or a database."""

from __future__ import annotations

from typing import Any

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    DataTable,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    TextParam,
    register,
)

from .http_fetch import fetch_url
from .parsing import parse_bytes
from .samples import SAMPLE_SLUGS, load_sample
from .services import DATASETS, SQLITE_DIRECTORIES, DatasetStore, require_service
from .sql_source import read_query

REGISTERED = "Registered dataset"
SAMPLE = "Sample dataset"
URL = "URL via HTTP"
SQL = "SQL database"
# Sources that read the outside world, which may change between runs.
_EXTERNAL = (URL, SQL)


@register
class ImportData(Module):
    """Load data into the pipeline.

    - **Registered dataset**: a dataset version you uploaded or registered (pick it in the panel).
    - **Sample dataset**: one of the bundled sample datasets (penguins, iris, Titanic, diamonds ...).
    - **URL via HTTP**: download a CSV, TSV, Parquet or JSON file from a public http(s) address.
      Addresses inside private networks are refused, and downloads stop at the size limit.
    - **SQL database**: run one read-only SELECT against PostgreSQL (``postgresql://user:pw@host/db``) or
      an SQLite file in a folder your administrator allows (``sqlite:///file.db``), up to a row limit.

    Results from a URL or a database are reused from the previous run unless **Regenerate output** is
    checked, as in the reference product; registered datasets and samples never change, so they are
    always reused.
    """

    key = "data_input_output.import_data"
    title = "Import Data"
    category = Category.DATA_INPUT_OUTPUT
    # A URL or database can change between runs; ``is_deterministic`` refines this per data source.
    deterministic = False
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    params = (
        ChoiceParam("data_source", "Data source", default=REGISTERED, choices=(REGISTERED, SAMPLE, URL, SQL)),
        StringParam(
            "dataset",
            "Dataset",
            description="The registered dataset version to load.",
            visible_when={"data_source": (REGISTERED,)},
        ),
        ChoiceParam(
            "sample_dataset",
            "Sample dataset",
            default="penguins",
            choices=SAMPLE_SLUGS,
            visible_when={"data_source": (SAMPLE,)},
        ),
        StringParam(
            "url",
            "Data source URL",
            description="A public http:// or https:// address of the file.",
            max_length=2048,
            visible_when={"data_source": (URL,)},
        ),
        ChoiceParam(
            "data_format",
            "Data format",
            default="CSV",
            choices=("CSV", "TSV", "Parquet", "JSON"),
            visible_when={"data_source": (URL,)},
        ),
        BoolParam(
            "has_header",
            "Has header",
            default=True,
            description="The first line holds the column names.",
            visible_when={"data_source": (URL,), "data_format": ("CSV", "TSV")},
        ),
        IntParam(
            "maximum_download_size_mb",
            "Maximum download size (MB)",
            default=100,
            min=1,
            max=2048,
            advanced=True,
            visible_when={"data_source": (URL,)},
        ),
        IntParam(
            "request_timeout_seconds",
            "Download timeout (seconds)",
            default=60,
            min=1,
            max=3600,
            advanced=True,
            visible_when={"data_source": (URL,)},
        ),
        StringParam(
            "database_url",
            "Database URL",
            description="postgresql://user:password@host:5432/database or sqlite:///file.db. Use an account "
            "that can only read: the URL is stored with the pipeline.",
            max_length=2048,
            visible_when={"data_source": (SQL,)},
        ),
        TextParam(
            "sql_query",
            "SQL query",
            language="sql",
            visible_when={"data_source": (SQL,)},
        ),
        IntParam(
            "row_limit",
            "Row limit",
            default=1_000_000,
            min=1,
            max=100_000_000,
            advanced=True,
            visible_when={"data_source": (SQL,)},
        ),
        IntParam(
            "query_timeout_seconds",
            "Query timeout (seconds)",
            default=300,
            min=1,
            max=3600,
            advanced=True,
            visible_when={"data_source": (SQL,)},
        ),
        BoolParam(
            "regenerate_output",
            "Regenerate output",
            default=False,
            description="Read the source again on every run instead of reusing the previous result.",
            visible_when={"data_source": _EXTERNAL},
        ),
    )

    @classmethod
    def is_deterministic(cls, params: dict[str, Any]) -> bool:
        return params.get("data_source") not in _EXTERNAL or not params.get("regenerate_output")

    @classmethod
    def pin_params(cls, params: dict[str, Any], services: dict[str, object]) -> dict[str, Any]:
        store = services.get(DATASETS)
        reference = params.get("dataset")
        if params.get("data_source") != REGISTERED or not reference or not hasattr(store, "pin"):
            return params
        try:
            return {**params, "dataset": store.pin(reference)}
        except LookupError:
            return params  # the step itself reports the unknown dataset

    @classmethod
    def infer_output_schemas(cls, params: dict[str, Any], input_schemas: dict[str, Any]) -> dict[str, Any]:
        # Only the bundled samples are known without running; the others are read at run time.
        if params["data_source"] == SAMPLE:
            return {"results_dataset": load_sample(params["sample_dataset"]).schema()}
        return {}

    def run(self, ctx: RunContext, params: dict[str, Any]) -> dict[str, Any]:
        source = params["data_source"]
        if source == REGISTERED:
            table = self._registered(ctx, _required(params, "dataset", "Choose the dataset to load."))
        elif source == SAMPLE:
            table = load_sample(params["sample_dataset"])
        elif source == URL:
            data = fetch_url(
                _required(params, "url", "Give the URL of the file to download."),
                max_bytes=params["maximum_download_size_mb"] * 1024 * 1024,
                timeout=params["request_timeout_seconds"],
            )
            table = parse_bytes(data, params["data_format"], has_header=params["has_header"], parameter="url")
        else:
            table = read_query(
                _required(params, "database_url", "Give the database URL."),
                _required(params, "sql_query", "Write the SQL query to run."),
                row_limit=params["row_limit"],
                timeout=params["query_timeout_seconds"],
                sqlite_directories=ctx.services.get(SQLITE_DIRECTORIES) or (),  # type: ignore[arg-type]
                logger=ctx.logger,
            )
        ctx.logger.info("Imported %d rows and %d columns.", len(table), len(table.columns))
        return {"results_dataset": table}

    @staticmethod
    def _registered(ctx: RunContext, reference: str) -> DataTable:
        store: DatasetStore = require_service(ctx, DATASETS, "dataset store")
        try:
            table = store.load(reference)
        except LookupError:
            raise ModuleError(
                "dataset_not_found",
                f"There is no dataset version '{reference}'. It may have been deleted; pick another one.",
                parameter="dataset",
            ) from None
        if not isinstance(table, DataTable):
            raise TypeError(f"the dataset store returned {type(table).__name__}, not a DataTable")
        return table


def _required(params: dict[str, Any], name: str, message: str) -> str:
    value = params.get(name)
    if value is None or not str(value).strip():
        raise ModuleError("missing_parameter", message, parameter=name)
    return str(value).strip()
