"""The prebuilt module library of the designer.

Plain Python: a module is a pure function of its inputs and parameters. Nothing here imports Django,
Celery or HTTP code, so the same modules run in a worker, in a scoring endpoint and in an exported
script (enforced by the import contract in pyproject.toml and by tests/modules/test_import_contract.py).
"""
