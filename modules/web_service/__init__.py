"""Web service modules: the points where a deployed pipeline's request enters and its reply leaves."""

from . import endpoints  # noqa: F401
