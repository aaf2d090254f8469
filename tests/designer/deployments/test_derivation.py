"""The derivation rules, one by one: on real runs of small pipelines (in this process) and on synthetic
runs for what real modules rarely produce."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from designer.deployments import derivation as rules
from designer.deployments.derivation import Derivation, DerivationRefused, RunView, StepView, derive
from designer.deployments.roles import Role, role_of
from modules.sdk import PortType, all_modules, get_module

from . import graphs as g
from .conftest import cached

# -- synthetic runs ----------------------------------------------------------------------------------------
COLUMNS = [
    {"name": "x", "type": "double", "is_label": False},
    {"name": "y", "type": "double", "is_label": False},
    {"name": "label", "type": "string", "is_label": False},
]


def synthetic(
    graph: dict[str, Any], status: str = "completed", skip_outputs: tuple[tuple[str, str], ...] = ()
) -> tuple[RunView, Any]:
    """Every node 'ran': each output port has a digest '<node>.<port>', tables have COLUMNS (plus the score
    columns after a scorer); models read x and y and predict 'label'; transformations read x."""
    steps = {}
    for node in graph["nodes"]:
        module = get_module(node["module"])
        outputs, schemas = {}, {}
        for port in module.outputs:
            if (node["id"], port.name) in skip_outputs:
                continue
            outputs[port.name] = f"{node['id']}.{port.name}"
            if port.type == PortType.DATASET:
                extra = (
                    [{"name": "Scored Labels", "type": "string", "is_score": True}]
                    if role_of(module)[0] == Role.SCORER
                    else []
                )
                schemas[port.name] = {"rows": 10, "columns": COLUMNS + extra}
        steps[node["id"]] = StepView(node["id"], module.key, "completed", outputs, schemas)

    def load(port_type: str, digest: str) -> Any:
        if port_type in ("trained_model", "trained_cluster_model", "trained_recommender"):
            return SimpleNamespace(feature_columns=["x", "y"], label_column="label")
        if port_type == "transformation":
            return SimpleNamespace(input_columns=["x"])
        return None

    return RunView("synthetic", status, graph, steps), load


def chain(
    *middle: dict[str, Any], learner: str = "classification.two_class_logistic_regression"
) -> dict[str, Any]:
    """data -> middle... -> split -> train/score -> evaluate."""
    nodes = [g.node("data", "data_input_output.enter_data_manually", data="x,y,label\n1,2,a\n"), *middle]
    edges = []
    previous = ("data", "dataset")
    for node in middle:
        module = get_module(node["module"])
        edges.append(
            g.edge(*previous, node["id"], next(p.name for p in module.inputs if p.type == PortType.DATASET))
        )
        previous = (node["id"], next(p.name for p in module.outputs if p.type == PortType.DATASET))
    base = g.trained([], edges, previous, "label", learner)
    return g.graph(nodes + base["nodes"], base["edges"])


def refused(graph: dict[str, Any], **kwargs: Any) -> DerivationRefused:
    run, load = synthetic(graph, **{k: v for k, v in kwargs.items() if k in ("status", "skip_outputs")})
    with pytest.raises(DerivationRefused) as info:
        derive(run, load, input_node=kwargs.get("input_node"))
    return info.value


def nodes_of(graph: dict[str, Any]) -> dict[str, str]:
    return {n["id"]: n["module"] for n in graph["nodes"]}


# -- roles --------------------------------------------------------------------------------------------------
def test_every_registered_module_has_an_inference_role() -> None:
    unknown = [m.key for m in all_modules() if role_of(m)[0] is None]
    assert unknown == [], f"give these modules a role in designer/deployments/roles.py: {unknown}"


@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("model_training.train_model", Role.TRAINING_ONLY),
        ("model_training.tune_model_hyperparameters", Role.TRAINING_ONLY),
        ("model_scoring_evaluation.cross_validate_model", Role.TRAINING_ONLY),
        ("model_training.train_clustering_model", Role.TRAINING_ONLY),
        ("model_training.train_anomaly_detection_model", Role.TRAINING_ONLY),
        ("recommendation.train_svd_recommender", Role.TRAINING_ONLY),
        ("model_scoring_evaluation.evaluate_model", Role.TRAINING_ONLY),
        ("data_transformation.split_data", Role.PASS_THROUGH),
        ("data_transformation.partition_and_sample", Role.PASS_THROUGH),
        ("data_transformation.smote", Role.PASS_THROUGH),
        ("model_scoring_evaluation.score_model", Role.SCORER),
        ("model_scoring_evaluation.assign_data_to_clusters", Role.SCORER),
        ("recommendation.score_svd_recommender", Role.SCORER),
        ("data_transformation.clean_missing_data", Role.FITTED),
        ("data_transformation.normalize_data", Role.FITTED),
        ("data_transformation.convert_to_indicator_values", Role.FITTED),
        ("data_transformation.group_data_into_bins", Role.FITTED),
        ("text_analytics.extract_n_gram_features_from_text", Role.FITTED),
        ("text_analytics.feature_hashing", Role.FITTED),
        ("feature_selection.filter_based_feature_selection", Role.LEARNED_SELECTION),
        ("data_transformation.select_columns_in_dataset", Role.STATELESS),
        ("data_transformation.edit_metadata", Role.STATELESS),
        ("python_language.execute_python_script", Role.STATELESS),
        ("text_analytics.convert_word_to_vector", Role.STATEFUL),
        ("data_input_output.import_data", Role.SOURCE),
        ("web_service.web_service_input", Role.WEB_SERVICE_INPUT),
        ("web_service.web_service_output", Role.WEB_SERVICE_OUTPUT),
    ],
)
def test_roles_of_module_kinds(key: str, role: Role) -> None:
    assert role_of(get_module(key))[0] == role


def test_clip_values_is_stateless_only_with_constant_thresholds_and_fixed_substitutes() -> None:
    clip = get_module("data_transformation.clip_values")
    assert role_of(clip, clip.validate_params({}))[0] == Role.STATELESS
    assert role_of(clip, clip.validate_params({"threshold": "Percentile"}))[0] == Role.STATEFUL
    assert role_of(clip, clip.validate_params({"substitute_value_for_peaks": "Mean"}))[0] == Role.STATEFUL
    # A substitute for the side that is not clipped does not matter.
    assert (
        role_of(clip, clip.validate_params({"substitute_value_for_subpeaks": "Median"}))[0] == Role.STATELESS
    )


# -- refusals ---------------------------------------------------------------------------------------------------
def test_check_run_completed_refuses_a_failed_run() -> None:
    error = refused(chain(), status="failed")
    assert error.code == "run_not_completed" and "failed" in error.message


def test_check_has_trained_model_refuses_a_run_without_one() -> None:
    graph = g.graph(
        [
            g.node("data", "data_input_output.enter_data_manually", data="x\n1\n"),
            g.node("pick", "data_transformation.select_columns_in_dataset", select_columns=["x"]),
        ],
        [g.edge("data", "dataset", "pick", "dataset")],
    )
    error = refused(graph)
    assert error.code == "no_trained_model"
    assert error.message.startswith("This run has no trained model")


def test_a_model_whose_step_produced_nothing_counts_as_no_model() -> None:
    error = refused(chain(), skip_outputs=(("train", "trained_model"),))
    assert error.code == "no_trained_model"


def test_find_scoring_nodes_refuses_a_model_that_is_never_used_to_score() -> None:
    graph = chain()
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] not in ("score", "evaluate")]
    graph["edges"] = [e for e in graph["edges"] if "score" not in (e["source"], e["target"])]
    assert refused(graph).code == "no_scoring_step"


@pytest.mark.parametrize(
    ("node", "why"),
    [
        (g.node("clip", "data_transformation.clip_values", threshold="Percentile"), "percentiles"),
        (g.node("clip", "data_transformation.clip_values", substitute_value_for_peaks="Median"), "median"),
    ],
)
def test_refuse_stateful_nodes_names_the_node_that_learns_without_a_transformation(
    node: dict, why: str
) -> None:
    error = refused(chain(node))
    assert error.code == "stateful_node" and error.node == "clip"
    assert "'Clip Values' (clip) learns state but has no transformation output" in error.message
    assert why in error.message


def test_a_fitted_module_without_its_transformation_output_is_refused() -> None:
    normalize = g.node("normalize", "data_transformation.normalize_data", columns_to_transform=g.NUMERIC)
    error = refused(chain(normalize), skip_outputs=(("normalize", "transformation_function"),))
    assert error.code == "no_transformation_output" and error.node == "normalize"
    assert "learns state but has no transformation output" in error.message


def test_rows_that_only_a_training_node_derives_cannot_be_scored() -> None:
    # Assign Data to Clusters scores what Train Clustering Model assigned while training.
    graph = g.graph(
        [
            g.node("data", "data_input_output.enter_data_manually", data="x,y,label\n1,2,a\n"),
            g.node("kmeans", "clustering.k_means_clustering"),
            g.node("train", "model_training.train_clustering_model", column_set=["x", "y"]),
            g.node("assign", "model_scoring_evaluation.assign_data_to_clusters"),
            g.node("join", "data_transformation.add_columns"),
        ],
        [
            g.edge("data", "dataset", "train", "dataset"),
            g.edge("kmeans", "untrained_model", "train", "untrained_model"),
            g.edge("train", "trained_model", "assign", "trained_model"),
            g.edge("data", "dataset", "assign", "dataset"),
            g.edge("assign", "results_dataset", "join", "left_dataset"),
            g.edge("train", "results_dataset", "join", "right_dataset"),
        ],
    )
    error = refused(graph)
    assert error.code == "training_time_data" and error.node == "join"


def test_an_input_node_that_is_not_a_data_source_is_refused() -> None:
    error = refused(chain(), input_node="train")
    assert error.code == "invalid_input_node" and error.node == "train"


# -- what is kept, replaced, bound and removed ---------------------------------------------------------------
def test_reference_pipeline_becomes_input_apply_apply_score_output(reference) -> None:
    graph = reference.inference.graph
    assert nodes_of(graph) == {
        "web_service_input": "web_service.web_service_input",
        "clean": "model_scoring_evaluation.apply_transformation",
        "normalize": "model_scoring_evaluation.apply_transformation",
        "score": "model_scoring_evaluation.score_model",
        "web_service_output": "web_service.web_service_output",
    }
    assert [(e["source"], e["target"]) for e in graph["edges"]] == [
        ("web_service_input", "clean"),
        ("clean", "normalize"),
        ("normalize", "score"),
        ("score", "web_service_output"),
    ]
    removed = {r["node"]: r["rule"] for r in reference.inference.removed}
    assert removed == {
        "import": "replace_source_with_web_service_input",
        "learner": "remove_learner",
        "split": "bypass_pass_through",
        "train": "remove_training_only",
        "evaluate": "remove_evaluation",
    }


def test_trained_models_and_fitted_transformations_are_bound_to_the_runs_digests(reference) -> None:
    steps = reference.run.steps
    bindings = reference.inference.bindings
    assert bindings["score"]["trained_model"]["digest"] == steps["train"].outputs["trained_model"]
    assert bindings["score"]["trained_model"]["source"] == {"node": "train", "port": "trained_model"}
    assert bindings["clean"]["transformation"]["digest"] == steps["clean"].outputs["cleaning_transformation"]
    assert (
        bindings["normalize"]["transformation"]["digest"]
        == steps["normalize"].outputs["transformation_function"]
    )
    assert reference.inference.graph["bindings"] == bindings


def test_the_input_schema_is_what_the_model_reads_without_the_label(reference) -> None:
    schema = reference.inference.input_schema
    names = [c["name"] for c in schema]
    model = reference.artifacts.load(
        "trained_model", reference.inference.bindings["score"]["trained_model"]["digest"]
    )
    assert names == model.feature_columns
    assert "diagnosis" not in names and reference.inference.label_columns == ["diagnosis"]
    assert {c["type"] for c in schema} == {"double"}
    wsi = next(n for n in reference.inference.graph["nodes"] if n["id"] == "web_service_input")
    assert json.loads(wsi["params"]["schema"]) == schema and wsi["params"]["name"] == "WebServiceInput0"


def test_columns_dropped_before_the_model_are_not_asked_for() -> None:
    dep = cached(
        "selected", lambda: g.selected_columns(["mean radius", "mean texture", "worst area", "diagnosis"])
    )
    assert [c["name"] for c in dep.inference.input_schema] == ["mean radius", "mean texture", "worst area"]
    # Select Columns names the label: it is fed as a missing column and never returned.
    assert dep.plan.placeholders == ["diagnosis"] and dep.parity["ok"], dep.parity


def test_text_integer_and_float_columns_keep_their_types(penguins) -> None:
    schema = {c["name"]: c["type"] for c in penguins.inference.input_schema}
    assert schema == {
        "island": "string",
        "bill_length_mm": "double",
        "bill_depth_mm": "double",
        "flipper_length_mm": "double",
        "body_mass_g": "double",
        "sex": "string",
        "year": "integer",
    }


def test_normalize_fitted_after_the_split_binds_its_transformation_to_the_apply_step() -> None:
    dep = cached("after_split", g.normalize_after_split)
    graph = dep.inference.graph
    assert nodes_of(graph)["apply"] == "model_scoring_evaluation.apply_transformation"
    assert "normalize" not in nodes_of(graph)
    binding = dep.inference.bindings["apply"]["transformation"]
    assert binding["source"] == {"node": "normalize", "port": "transformation_function"}
    removed = {r["node"]: r for r in dep.inference.removed}
    assert removed["normalize"]["rule"] == "bind_fixed_inputs"
    assert dep.parity["ok"], dep.parity


def test_a_lookup_table_joined_to_the_request_is_bound_as_constant_data() -> None:
    dep = cached("join", g.join_with_lookup)
    binding = dep.inference.bindings["join"]["right_dataset"]
    assert binding["type"] == "dataset" and binding["source"] == {"node": "lookup", "port": "dataset"}
    assert nodes_of(dep.inference.graph)["join"] == "data_transformation.join_data"
    assert "island_area" not in [c["name"] for c in dep.inference.input_schema]
    assert dep.parity["ok"], dep.parity


def test_the_training_data_source_wins_over_a_lookup_and_input_node_chooses_otherwise() -> None:
    dep = cached("join", g.join_with_lookup)
    assert dep.inference.source["node"] == "import"
    inference = derive(dep.run, dep.artifacts.load, input_node="lookup")
    assert inference.source["node"] == "lookup"
    assert inference.bindings["join"]["left_dataset"]["source"]["node"] == "import"


def test_learned_feature_selection_becomes_select_columns_with_the_columns_it_kept() -> None:
    dep = cached("fsel", g.feature_selection)
    node = next(n for n in dep.inference.graph["nodes"] if n["id"] == "select")
    assert node["module"] == "data_transformation.select_columns_in_dataset"
    kept = [c["name"] for c in dep.run.steps["select"].output_schemas["filtered_dataset"]["columns"]]
    assert node["params"]["select_columns"]["names"] == [c for c in kept if c != "diagnosis"]
    assert [c["name"] for c in dep.inference.input_schema] == sorted(
        node["params"]["select_columns"]["names"], key=[c["name"] for c in dep.source.schema()].index
    )
    assert dep.parity["ok"], dep.parity


def test_clustering_keeps_assign_data_to_clusters_with_the_bound_cluster_model() -> None:
    dep = cached("clustering", g.clustering)
    assert nodes_of(dep.inference.graph)["assign"] == "model_scoring_evaluation.assign_data_to_clusters"
    assert dep.inference.bindings["assign"]["trained_model"]["type"] == "trained_cluster_model"
    assert {r["node"]: r["rule"] for r in dep.inference.removed}["train"] == "remove_training_only"
    assert dep.parity["ok"], dep.parity


def test_nodes_after_scoring_are_kept_and_the_output_follows_the_last(reference) -> None:
    base = g.reference_graph()
    graph = g.with_extra_nodes(
        base,
        [
            g.node(
                "only_scores",
                "data_transformation.select_columns_in_dataset",
                select_columns=["Scored Labels"],
            )
        ],
        [g.edge("score", "scored_dataset", "only_scores", "dataset")],
    )
    run, load = synthetic(graph)
    inference = derive(run, load)
    edges = [(e["source"], e["target"]) for e in inference.graph["edges"]]
    assert ("score", "only_scores") in edges and ("only_scores", "web_service_output") in edges
    assert ("score", "web_service_output") not in edges


def test_an_existing_web_service_input_and_output_are_kept_and_unplugged_from_training_data() -> None:
    base = chain()
    base["nodes"] += [
        g.node("wsi", "web_service.web_service_input", name="Patients"),
        g.node("wso", "web_service.web_service_output", name="Diagnosis"),
    ]
    base["edges"] = [e for e in base["edges"] if e["source"] != "data"] + [
        g.edge("data", "dataset", "wsi", "dataset"),
        g.edge("wsi", "output_dataset", "split", "dataset"),
        g.edge("score", "scored_dataset", "wso", "dataset"),
    ]
    run, load = synthetic(base)
    inference = derive(run, load)
    assert inference.inputs == ["Patients"] and inference.outputs == ["Diagnosis"]
    assert not any(e["target"] == "wsi" for e in inference.graph["edges"])
    assert "data" in {r["node"] for r in inference.removed}


def test_every_training_node_is_either_kept_or_removed_with_a_reason() -> None:
    for name, build in (
        ("reference", g.reference_graph),
        ("after_split", g.normalize_after_split),
        ("join", g.join_with_lookup),
        ("fsel", g.feature_selection),
        ("clustering", g.clustering),
    ):
        dep = cached(name, build)
        kept = {n["id"] for n in dep.inference.graph["nodes"]}
        removed = {r["node"]: r for r in dep.inference.removed}
        for node in dep.run.graph["nodes"]:
            assert node["id"] in kept or node["id"] in removed, (name, node["id"])
            if node["id"] in removed:
                assert removed[node["id"]]["reason"] and removed[node["id"]]["rule"], (name, node["id"])


def test_rules_run_in_the_documented_order() -> None:
    assert [r.__name__ for r in rules.RULES] == [
        "check_run_completed",
        "check_has_trained_model",
        "classify_nodes",
        "bypass_pass_through_nodes",
        "find_scoring_nodes",
        "choose_request_source",
        "keep_request_path",
        "refuse_training_time_data",
        "refuse_stateful_nodes",
        "replace_fitted_with_apply_transformation",
        "replace_learned_selections",
        "bind_fixed_inputs",
        "replace_source_with_web_service_input",
        "add_web_service_outputs",
        "derive_input_schema",
        "explain_removed_nodes",
    ]


# -- single rules on a prepared state ----------------------------------------------------------------------------
def _state(graph: dict[str, Any], upto: str) -> Derivation:
    run, load = synthetic(graph)
    d = Derivation(run=run, load=load)
    for rule in rules.RULES:
        rule(d)
        if rule.__name__ == upto:
            return d
    raise AssertionError(upto)


def test_bypass_rewires_chained_pass_through_nodes_to_their_source() -> None:
    graph = chain(
        g.node("sample", "data_transformation.partition_and_sample"),
        g.node("smote", "data_transformation.smote", label_column=["label"]),
    )
    d = _state(graph, "bypass_pass_through_nodes")
    into_score = [e for e in d.data_edges if e["target"] == "score"]
    assert [(e["source"], e["source_port"]) for e in into_score] == [("data", "dataset")]
    assert {n for n, r in d.removed.items() if r["rule"] == "bypass_pass_through"} == {
        "sample",
        "smote",
        "split",
    }


def test_keep_request_path_drops_branches_that_do_not_lead_to_a_score() -> None:
    graph = chain()
    graph["nodes"].append(g.node("summary", "statistical_functions.summarize_data"))
    graph["edges"].append(g.edge("data", "dataset", "summary", "input"))
    d = _state(graph, "keep_request_path")
    assert "summary" not in d.kept and {"data", "score"} <= d.kept
    inference = derive(*synthetic(graph))
    assert {r["node"]: r["rule"] for r in inference.removed}["summary"] == "off_request_path"
