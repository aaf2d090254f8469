"""Port types: what flows along an edge. Ids are stable; they appear in saved graphs and the API."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PortType(StrEnum):
    DATASET = "dataset"
    UNTRAINED_MODEL = "untrained_model"
    TRAINED_MODEL = "trained_model"
    TRANSFORMATION = "transformation"
    EVALUATION = "evaluation"
    UNTRAINED_CLUSTER_MODEL = "untrained_cluster_model"
    TRAINED_CLUSTER_MODEL = "trained_cluster_model"
    TRAINED_RECOMMENDER = "trained_recommender"
    SCRIPT_BUNDLE = "script_bundle"


PORT_TYPE_TITLES: dict[PortType, str] = {
    PortType.DATASET: "Dataset",
    PortType.UNTRAINED_MODEL: "Untrained model",
    PortType.TRAINED_MODEL: "Trained model",
    PortType.TRANSFORMATION: "Transformation",
    PortType.EVALUATION: "Evaluation results",
    PortType.UNTRAINED_CLUSTER_MODEL: "Untrained clustering model",
    PortType.TRAINED_CLUSTER_MODEL: "Trained clustering model",
    PortType.TRAINED_RECOMMENDER: "Trained recommender",
    PortType.SCRIPT_BUNDLE: "Script bundle (zip)",
}

# Which output types an input accepts. Identity is always accepted; the few extra pairs are the
# places where the reference product lets one kind stand in for another (Score Model scores a trained
# clustering model too; Apply Transformation takes any fitted transformation).
_EXTRA_COMPATIBLE: set[tuple[PortType, PortType]] = set()


def port_types_compatible(source: PortType | str, target: PortType | str) -> bool:
    source, target = PortType(source), PortType(target)
    return source == target or (source, target) in _EXTRA_COMPATIBLE


@dataclass(frozen=True)
class Port:
    """One input or output of a module. ``name`` is the stable id used by edges."""

    name: str
    title: str
    type: PortType
    optional: bool = False
    description: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "type": str(self.type),
            "optional": self.optional,
            "description": self.description,
        }
