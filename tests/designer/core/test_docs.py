from designer.catalog.docs import DOC, README, readme_with_modules, render


def test_module_docs_are_up_to_date() -> None:
    hint = "run `python -m designer.catalog.docs` and commit docs/modules.md and README.md"
    assert DOC.read_text() == render(), hint
    assert README.read_text() == readme_with_modules(README.read_text()), hint
