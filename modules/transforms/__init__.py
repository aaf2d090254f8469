"""Data transformation modules: each submodule registers its modules on import."""

from . import (  # noqa: F401
    add_columns_rows,
    binning,
    clean_missing,
    clip_values,
    convert,
    duplicates,
    edit_metadata,
    indicator_values,
    join,
    math_ops,
    normalize,
    partition_sample,
    select_columns,
    select_columns_transform,
    smote,
    split_data,
    sql_transform,
)
