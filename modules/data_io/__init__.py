"""Data input and output modules: Import Data, Enter Data Manually, Export Data, and the sample datasets."""

from . import enter_data, export_data, import_data  # noqa: F401
