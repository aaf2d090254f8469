"""A small SVG picture of a pipeline, drawn from its canvas layout: the gallery card's thumbnail.

Nodes are rounded boxes titled with their module's name, placed where the graph's ``ui`` puts them;
edges are lines from an output port on a box's bottom edge to an input port on the next box's top
edge, the ports spread evenly as on the canvas. Computed from the graph alone, so any pipeline can
have one.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from modules.sdk import get_module, has_module

NODE_WIDTH = 220
NODE_HEIGHT = 52
PADDING = 24
MAX_TITLE_CHARACTERS = 36
# Titles longer than this are drawn smaller so that they still fit in the box.
LONG_TITLE_CHARACTERS = 24
# Stroke colours by the module key's first part (its category), so a card shows the pipeline's shape.
CATEGORY_COLOURS = {
    "data_input_output": "#2563eb",
    "data_transformation": "#0891b2",
    "feature_selection": "#0d9488",
    "text_analytics": "#0d9488",
    "statistical_functions": "#0d9488",
    "classification": "#7c3aed",
    "regression": "#7c3aed",
    "clustering": "#7c3aed",
    "anomaly_detection": "#7c3aed",
    "recommendation": "#c026d3",
    "model_training": "#ea580c",
    "model_scoring_evaluation": "#16a34a",
    "python_language": "#ca8a04",
    "web_service": "#64748b",
}
DEFAULT_COLOUR = "#64748b"


def _node_title(node: dict[str, Any]) -> str:
    key = node.get("module")
    title = get_module(key).title if isinstance(key, str) and has_module(key) else str(key or "?")
    if len(title) > MAX_TITLE_CHARACTERS:
        title = title[: MAX_TITLE_CHARACTERS - 1].rstrip() + "\u2026"
    return title


def _port_names(node: dict[str, Any], side: str) -> list[str]:
    key = node.get("module")
    if not isinstance(key, str) or not has_module(key):
        return []
    return [port.name for port in getattr(get_module(key), side)]


def _port_x(left: float, names: list[str], port: str) -> float:
    position = names.index(port) if port in names else 0
    return left + NODE_WIDTH * (position + 1) / (max(len(names), 1) + 1)


def thumbnail_svg(graph: dict[str, Any]) -> str:
    """The SVG document of ``graph`` (nodes without a layout position are left out)."""
    layout = graph.get("ui")
    ui: dict[str, Any] = layout if isinstance(layout, dict) else {}
    nodes = {
        n["id"]: n
        for n in graph.get("nodes", [])
        if isinstance(n, dict) and isinstance(ui.get(str(n.get("id"))), dict)
    }
    positions = {nid: (float(ui[nid].get("x", 0)), float(ui[nid].get("y", 0))) for nid in nodes}
    if not positions:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 120" width="320" height="120">'
            '<rect width="320" height="120" fill="#f8fafc"/></svg>'
        )
    left = min(x for x, _ in positions.values()) - PADDING
    top = min(y for _, y in positions.values()) - PADDING
    width = max(x for x, _ in positions.values()) + NODE_WIDTH + PADDING - left
    height = max(y for _, y in positions.values()) + NODE_HEIGHT + PADDING - top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:g} {top:g} {width:g} {height:g}" '
        f'width="{width:g}" height="{height:g}" font-family="system-ui, sans-serif">',
        f'<rect x="{left:g}" y="{top:g}" width="{width:g}" height="{height:g}" fill="#f8fafc"/>',
        '<g stroke="#94a3b8" stroke-width="2" fill="none">',
    ]
    for edge in graph.get("edges", []):
        if not isinstance(edge, dict) or edge.get("source") not in nodes or edge.get("target") not in nodes:
            continue
        sx, sy = positions[edge["source"]]
        tx, ty = positions[edge["target"]]
        x1 = _port_x(sx, _port_names(nodes[edge["source"]], "outputs"), edge.get("source_port", ""))
        x2 = _port_x(tx, _port_names(nodes[edge["target"]], "inputs"), edge.get("target_port", ""))
        parts.append(f'<line x1="{x1:g}" y1="{sy + NODE_HEIGHT:g}" x2="{x2:g}" y2="{ty:g}"/>')
    parts.append("</g>")
    for node_id, node in nodes.items():
        x, y = positions[node_id]
        colour = CATEGORY_COLOURS.get(str(node.get("module", "")).split(".")[0], DEFAULT_COLOUR)
        title = _node_title(node)
        font_size = 12 if len(title) > LONG_TITLE_CHARACTERS else 15
        parts.append(
            f'<g><rect x="{x:g}" y="{y:g}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="10" '
            f'fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
            f'<rect x="{x:g}" y="{y:g}" width="8" height="{NODE_HEIGHT}" rx="4" fill="{colour}"/>'
            f'<text x="{x + NODE_WIDTH / 2:g}" y="{y + NODE_HEIGHT / 2 + 5:g}" text-anchor="middle" '
            f'font-size="{font_size}" fill="#0f172a">{escape(title)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
