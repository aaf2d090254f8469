"""Generate docs/modules.md from the registry: `python -m designer.catalog.docs`.

The README links to it; a test keeps the committed file in step with the registry.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from modules.sdk import all_modules

DOC = Path(__file__).resolve().parents[2] / "docs" / "modules.md"


def render() -> str:
    by_category = defaultdict(list)
    for module in all_modules():
        by_category[str(module.category)].append(module)
    lines = [
        "# Modules",
        "",
        "Generated from the module registry by `python -m designer.catalog.docs`; the same data is served at",
        "`GET /api/v1/modules/` with each module's ports and parameter schema.",
        "",
        f"{sum(len(m) for m in by_category.values())} modules in {len(by_category)} categories.",
        "",
    ]
    for category in sorted(by_category):
        lines += [
            f"## {category}",
            "",
            "| module | key | inputs → outputs | flags |",
            "| --- | --- | --- | --- |",
        ]
        for module in by_category[category]:
            inputs = ", ".join(p.title + (" (optional)" if p.optional else "") for p in module.inputs) or "—"
            outputs = ", ".join(p.title for p in module.outputs) or "—"
            flags = [
                name
                for name, on in (
                    ("not cached", not module.deterministic),
                    ("training only", module.training_only),
                    ("pass-through at inference", module.pass_through_at_inference),
                    ("GPU", module.gpu_capable),
                )
                if on
            ]
            lines.append(f"| {module.title} | `{module.key}` | {inputs} → {outputs} | {', '.join(flags)} |")
        lines.append("")
    return "\n".join(lines)


README = DOC.parents[1] / "README.md"
BEGIN, END = "<!-- modules:begin -->", "<!-- modules:end -->"


def render_readme_section() -> str:
    """Module titles by category, for the README (the full table is docs/modules.md)."""
    by_category = defaultdict(list)
    for module in all_modules():
        by_category[str(module.category)].append(module.title)
    lines = [BEGIN]
    for category in sorted(by_category):
        lines.append(f"- **{category}**: {', '.join(sorted(by_category[category]))}")
    lines.append(END)
    return "\n".join(lines)


def readme_with_modules(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + render_readme_section() + text[end:]


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render())
    README.write_text(readme_with_modules(README.read_text()))
    sys.stdout.write(f"wrote {DOC} and the module list in {README}\n")
