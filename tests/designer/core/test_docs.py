from designer.catalog.docs import DOC, render


def test_module_docs_are_up_to_date() -> None:
    assert DOC.read_text() == render(), "run `python -m designer.catalog.docs` and commit docs/modules.md"
