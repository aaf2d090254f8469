"""The template gallery: ready-to-run sample pipelines, one JSON file each under fixtures/templates/.

Templates are files, not database rows: the repository is their single source of truth, a fresh clone
has them all, and editing one needs no migration. A file holds the template's card (slug, title, what it
teaches, task type, difficulty, the sample datasets it reads, whether it trains a deployable model) with
the key metric it reaches, and a schema-version-1 pipeline graph with its canvas layout. Instantiating a
template copies the graph into a new draft pipeline in the user's personal workspace.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from designer.config import BASE_DIR
from designer.graphs.models import Pipeline
from designer.graphs.services import create_pipeline
from designer.workspaces.services import personal_workspace

TEMPLATES_DIR = BASE_DIR / "fixtures" / "templates"

TASK_TYPES = (
    "regression",
    "binary",
    "multiclass",
    "clustering",
    "anomaly_detection",
    "recommendation",
    "text",
)
DIFFICULTIES = ("beginner", "intermediate", "advanced")
REQUIRED_FIELDS = (
    "slug",
    "title",
    "description",
    "task_type",
    "difficulty",
    "datasets",
    "deployable",
    "key_metric",
    "graph",
)
KEY_METRIC_FIELDS = ("node", "port", "name", "value", "higher_is_better")


class TemplateNotFound(LookupError):
    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


class InvalidTemplateFile(ValueError):
    """A file under fixtures/templates/ that is not a well-formed template (a packaging mistake)."""


@dataclass(frozen=True)
class PipelineTemplate:
    slug: str
    title: str
    description: str
    task_type: str
    difficulty: str
    datasets: tuple[str, ...]
    # True when the pipeline trains a model that can be deployed as a real-time endpoint: the list the
    # deployments app walks to deploy every template (see deployable_templates()).
    deployable: bool
    key_metric: dict[str, Any]
    graph: dict[str, Any] = field(repr=False, compare=False)

    def card(self) -> dict[str, Any]:
        """What the gallery shows: everything but the graph."""
        return {
            "slug": self.slug,
            "title": self.title,
            "description": self.description,
            "task_type": self.task_type,
            "difficulty": self.difficulty,
            "datasets": list(self.datasets),
            "deployable": self.deployable,
            "key_metric": dict(self.key_metric),
            "node_count": len(self.graph.get("nodes", [])),
        }

    def fresh_graph(self) -> dict[str, Any]:
        return copy.deepcopy(self.graph)


def parse_template(data: Any, source: str) -> PipelineTemplate:
    """A template from the decoded JSON of ``source`` (a file name, for error messages)."""
    if not isinstance(data, dict):
        raise InvalidTemplateFile(f"{source}: a template must be a JSON object.")
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise InvalidTemplateFile(f"{source}: missing {', '.join(missing)}.")
    if data["task_type"] not in TASK_TYPES:
        raise InvalidTemplateFile(f"{source}: task_type must be one of {', '.join(TASK_TYPES)}.")
    if data["difficulty"] not in DIFFICULTIES:
        raise InvalidTemplateFile(f"{source}: difficulty must be one of {', '.join(DIFFICULTIES)}.")
    key_metric = data["key_metric"]
    if not isinstance(key_metric, dict) or any(name not in key_metric for name in KEY_METRIC_FIELDS):
        raise InvalidTemplateFile(f"{source}: key_metric needs {', '.join(KEY_METRIC_FIELDS)}.")
    graph = data["graph"]
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        raise InvalidTemplateFile(f"{source}: graph must be a pipeline graph with nodes and edges.")
    return PipelineTemplate(
        slug=str(data["slug"]),
        title=str(data["title"]),
        description=str(data["description"]),
        task_type=data["task_type"],
        difficulty=data["difficulty"],
        datasets=tuple(data["datasets"]),
        deployable=bool(data["deployable"]),
        key_metric=dict(key_metric),
        graph=graph,
    )


def _directory_signature(directory: Path) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.json")))


@cache
def _load(directory: str, signature: tuple[tuple[str, int], ...]) -> tuple[PipelineTemplate, ...]:
    # Keyed by the files' names and modification times, so an edited or added file is picked up
    # without a restart while an unchanged gallery is parsed once per process.
    templates = []
    for name, _ in signature:
        path = Path(directory) / name
        template = parse_template(json.loads(path.read_text(encoding="utf-8")), name)
        if f"{template.slug}.json" != name:
            raise InvalidTemplateFile(
                f"{name}: the file must be named after its slug ({template.slug}.json)."
            )
        templates.append(template)
    order = {level: i for i, level in enumerate(DIFFICULTIES)}
    return tuple(sorted(templates, key=lambda t: (order[t.difficulty], t.title)))


def all_templates(directory: Path | None = None) -> list[PipelineTemplate]:
    """Every template, easiest first, then by title."""
    directory = directory or TEMPLATES_DIR
    if not directory.is_dir():
        return []
    return list(_load(str(directory), _directory_signature(directory)))


def list_templates(
    task_type: str | None = None, query: str | None = None, directory: Path | None = None
) -> list[PipelineTemplate]:
    """Templates of ``task_type`` (when given) whose title, description or datasets contain every word
    of ``query`` (case-insensitive)."""
    words = (query or "").lower().split()
    found = []
    for template in all_templates(directory):
        if task_type and template.task_type != task_type:
            continue
        text = " ".join(
            [template.slug, template.title, template.description, template.task_type, *template.datasets]
        ).lower()
        if all(word in text for word in words):
            found.append(template)
    return found


def get_template(slug: str, directory: Path | None = None) -> PipelineTemplate:
    for template in all_templates(directory):
        if template.slug == slug:
            return template
    raise TemplateNotFound(slug)


def deployable_templates(directory: Path | None = None) -> list[PipelineTemplate]:
    """The templates that train a model a user can deploy (the deployments app's test list)."""
    return [t for t in all_templates(directory) if t.deployable]


def instantiate(slug: str, user, name: str | None = None) -> Pipeline:
    """A new draft pipeline in ``user``'s personal workspace with a copy of the template's graph."""
    template = get_template(slug)
    return create_pipeline(
        personal_workspace(user),
        user,
        (name or "").strip() or template.title,
        template.fresh_graph(),
        template.description,
    )
