"""Limits against abusive GraphQL documents, checked before anything executes.

Depth alone does not stop abuse: aliases repeat a field at the same depth (measured here: a 92-byte
query made 6,561 resolver calls). So each operation gets an estimated cost, the number of field
resolutions it can cause: every field costs 1, and a list field multiplies what is selected under it by
the page size it may return (its ``first`` argument, that argument's default, a known size for the
module catalogue, or ``DEFAULT_LIST_SIZE``). Aliases and fragments are counted where they are used, so
fan-out adds up; fragments are measured once each, so a document cannot make the check itself slow.

Root query fields cost ``ROOT_FIELD_COST`` each (each queries the database or builds the module
catalogue: measured, 40 aliases of ``modules`` took a second) and mutation fields ``MUTATION_COST`` each
(they write and may start runs). Introspection is bounded
by graphql-core's MaxIntrospectionDepthRule and by at most ``MAX_INTROSPECTION_ROOTS`` ``__schema``/
``__type`` fields per operation. Documents are also capped in lexical tokens and length at parse time.

Every refusal is a GraphQL error whose ``extensions.code`` says which limit, with the measured value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.validation import ValidationRule

DEFAULT_LIST_SIZE = 20
MAX_PAGE = 200  # resolvers never return more than this per list
ROOT_FIELD_COST = 250
MUTATION_COST = 1000
MAX_INTROSPECTION_ROOTS = 2


@dataclass(frozen=True)
class Limits:
    max_depth: int = 8
    max_cost: int = 10_000
    max_tokens: int = 3_000
    max_length: int = 30_000


def limits() -> Limits:
    return Limits(**getattr(settings, "GRAPHQL_LIMITS", {}))


@cache
def _catalogue_size() -> int:
    from designer.catalog import services as catalog

    return len(catalog.module_specs())


def known_list_size(parent: str, field: str) -> int | None:
    if (parent, field) == ("Query", "modules"):
        return _catalogue_size()
    return None


@dataclass
class _Measure:
    cost: int = 0
    depth: int = 0
    introspection_roots: int = 0


class QueryLimitsRule(ValidationRule):
    def __init__(self, context) -> None:
        super().__init__(context)
        self.limits = limits()
        self._fragments: dict[tuple[str, int], _Measure] = {}
        self._in_progress: set[str] = set()

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any):
        schema = self.context.schema
        root = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }.get(node.operation)
        if root is None:
            return None
        try:
            own = MUTATION_COST if node.operation == OperationType.MUTATION else ROOT_FIELD_COST
            measure = self._selection(node.selection_set, root, own)
        except RecursionError:
            self.report_error(
                GraphQLError(
                    "The query is nested too deeply to check.", node, extensions={"code": "query_too_deep"}
                )
            )
            return None
        name = node.name.value if node.name else "the query"
        if measure.depth > self.limits.max_depth:
            self.report_error(
                GraphQLError(
                    f"{name} nests fields {measure.depth} levels deep; the limit is {self.limits.max_depth}.",
                    node,
                    extensions={
                        "code": "query_too_deep",
                        "depth": measure.depth,
                        "limit": self.limits.max_depth,
                    },
                )
            )
        if measure.cost > self.limits.max_cost:
            self.report_error(
                GraphQLError(
                    f"{name} could resolve about {measure.cost} fields (aliases and list sizes multiply); "
                    f"the budget is {self.limits.max_cost}. Ask for fewer fields, fewer aliases or smaller "
                    "pages (first: n).",
                    node,
                    extensions={
                        "code": "query_too_costly",
                        "cost": measure.cost,
                        "limit": self.limits.max_cost,
                    },
                )
            )
        if measure.introspection_roots > MAX_INTROSPECTION_ROOTS:
            self.report_error(
                GraphQLError(
                    f"{name} asks for the schema {measure.introspection_roots} times; the limit is "
                    f"{MAX_INTROSPECTION_ROOTS}.",
                    node,
                    extensions={"code": "too_much_introspection", "limit": MAX_INTROSPECTION_ROOTS},
                )
            )
        return self.SKIP

    # -- measuring ------------------------------------------------------------------------------
    def _selection(self, selection_set: SelectionSetNode | None, parent: Any, own: int = 1) -> _Measure:
        """``own``: what each field of this selection costs itself (more at the root)."""
        total = _Measure()
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                part = self._field(selection, parent, own)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = self.context.schema.get_type(condition.name.value) if condition else parent
                part = self._selection(selection.selection_set, fragment_type or parent, own)
            elif isinstance(selection, FragmentSpreadNode):
                part = self._fragment(selection.name.value, own)
            else:  # pragma: no cover - the grammar has no other selections
                continue
            total.cost += part.cost
            total.depth = max(total.depth, part.depth)
            total.introspection_roots += part.introspection_roots
            if total.cost > self.limits.max_cost * 10:  # far over already: no need to count on
                break
        return total

    def _fragment(self, name: str, own: int) -> _Measure:
        key = (name, own)
        if key in self._fragments:
            return self._fragments[key]
        fragment = self.context.get_fragment(name)
        if fragment is None or name in self._in_progress:  # unknown or cyclic: other rules report it
            return _Measure()
        self._in_progress.add(name)
        fragment_type = self.context.schema.get_type(fragment.type_condition.name.value)
        measure = self._selection(fragment.selection_set, fragment_type, own)
        self._in_progress.discard(name)
        self._fragments[key] = measure
        return measure

    def _field(self, node: FieldNode, parent: Any, own: int) -> _Measure:
        name = node.name.value
        if name == "__typename":
            return _Measure(cost=1)
        if name in ("__schema", "__type"):
            return _Measure(cost=_ast_fields(node), introspection_roots=1)
        fields = getattr(parent, "fields", None)
        definition = fields.get(name) if fields else None
        if definition is None:  # FieldsOnCorrectTypeRule reports it
            return _Measure(cost=1, depth=1)
        field_type = definition.type
        while isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        child = self._selection(node.selection_set, get_named_type(field_type))
        multiplier = 1
        if isinstance(field_type, GraphQLList):
            multiplier = self._list_size(node, definition, parent)
        return _Measure(
            cost=own + multiplier * child.cost,
            depth=1 + child.depth,
            introspection_roots=child.introspection_roots,
        )

    def _list_size(self, node: FieldNode, definition: Any, parent: Any) -> int:
        for argument in node.arguments or ():
            if argument.name.value == "first":
                if isinstance(argument.value, IntValueNode):
                    return max(0, min(int(argument.value.value), MAX_PAGE))
                return MAX_PAGE  # a variable: assume the largest page
        default = definition.args.get("first")
        if default is not None and isinstance(default.default_value, int):
            return min(default.default_value, MAX_PAGE)
        return known_list_size(parent.name, node.name.value) or DEFAULT_LIST_SIZE


def _ast_fields(node: Any) -> int:
    """Fields written under an introspection root (each at most once: no list multipliers)."""
    count, stack = 0, [node]
    while stack:
        current = stack.pop()
        if isinstance(current, FieldNode):
            count += 1
        selection_set = getattr(current, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return count


def parse_limits() -> dict[str, int]:
    """Keyword arguments for graphql.parse that bound the work of parsing itself."""
    current = limits()
    return {"max_lexical_tokens": current.max_tokens, "max_source_length": current.max_length}
