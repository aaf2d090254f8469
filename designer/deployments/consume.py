"""What the Consume page shows: the scoring URL, an OpenAPI document of the endpoint (its input schema,
the three request formats, an example from the training data) and copy-ready client code."""

from __future__ import annotations

import json
from typing import Any

from .models import Endpoint, EndpointVersion

JSON_TYPES: dict[str, dict[str, Any]] = {
    "double": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "string": {"type": "string"},
    "categorical": {"type": ["string", "number"]},
    "datetime": {"type": "string", "format": "date-time"},
}
KEY_PLACEHOLDER = "<your-endpoint-key>"


def scoring_url(base: str, endpoint: Endpoint) -> str:
    return f"{base.rstrip('/')}/score/{endpoint.name}"


def example_rows(version: EndpointVersion) -> list[dict[str, Any]]:
    return list(version.example or [])[:1] or [{c["name"]: None for c in version.input_schema}]


def openapi_document(endpoint: Endpoint, version: EndpointVersion, base: str) -> dict[str, Any]:
    columns = version.input_schema or []
    row_schema = {
        "type": "object",
        "required": [c["name"] for c in columns],
        "properties": {
            c["name"]: {
                **JSON_TYPES.get(c["type"], {"type": "string"}),
                "nullable": True,
                "description": f'{c["type"]}; null (or {{"isNan": true}}) for a missing value',
            }
            for c in columns
        },
        "additionalProperties": True,
    }
    inputs = version.inputs or ["WebServiceInput0"]
    outputs = version.outputs or ["WebServiceOutput0"]
    example = example_rows(version)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"Endpoint '{endpoint.name}'",
            "version": str(version.number),
            "description": endpoint.description
            or f"Scores rows with version {version.number}, deployed from run {version.run_id}.",
        },
        "servers": [{"url": base.rstrip("/")}],
        "paths": {
            f"/score/{endpoint.name}": {
                "post": {
                    "summary": "Score rows",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Request"},
                                        {"$ref": "#/components/schemas/ReferenceRequest"},
                                        {"$ref": "#/components/schemas/MlflowRecords"},
                                        {"$ref": "#/components/schemas/MlflowSplit"},
                                    ]
                                },
                                "examples": {
                                    "ours": {"value": {"inputs": example}},
                                    "reference": {
                                        "value": {"Inputs": {inputs[0]: example}, "GlobalParameters": {}}
                                    },
                                    "mlflow_records": {"value": {"dataframe_records": example}},
                                    "mlflow_split": {
                                        "value": {
                                            "dataframe_split": {
                                                "columns": [c["name"] for c in columns],
                                                "data": [
                                                    [row.get(c["name"]) for c in columns] for row in example
                                                ],
                                            }
                                        }
                                    },
                                },
                            }
                        },
                    },
                    "parameters": [
                        {
                            "name": "X-Endpoint-Version",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "integer"},
                            "description": "Score with this version instead of the traffic split.",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Scores. The X-Endpoint-Version header says which version answered.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/Predictions"},
                                            {"$ref": "#/components/schemas/ReferenceResults"},
                                        ]
                                    }
                                }
                            },
                        },
                        **{
                            str(code): {
                                "description": text,
                                "content": {
                                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                                },
                            }
                            for code, text in (
                                (400, "Invalid request: the error names the row and column"),
                                (401, "Missing or invalid key"),
                                (404, "No such endpoint"),
                                (413, "Body too large or too many rows"),
                                (503, "No healthy version serving"),
                            )
                        },
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Row": row_schema,
                "Request": {
                    "type": "object",
                    "required": ["inputs"],
                    "properties": {
                        "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}
                    },
                },
                "ReferenceRequest": {
                    "type": "object",
                    "required": ["Inputs"],
                    "properties": {
                        "Inputs": {
                            "type": "object",
                            "properties": {
                                name: {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}
                                for name in inputs
                            },
                        },
                        "GlobalParameters": {"type": "object"},
                    },
                },
                "MlflowRecords": {
                    "type": "object",
                    "required": ["dataframe_records"],
                    "properties": {
                        "dataframe_records": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}
                    },
                },
                "MlflowSplit": {
                    "type": "object",
                    "required": ["dataframe_split"],
                    "properties": {
                        "dataframe_split": {
                            "type": "object",
                            "properties": {
                                "columns": {"type": "array", "items": {"type": "string"}},
                                "data": {"type": "array", "items": {"type": "array"}},
                            },
                        }
                    },
                },
                "Predictions": {
                    "type": "object",
                    "properties": {
                        "predictions": {"type": "array", "items": {"type": "object"}},
                        "version": {"type": "integer"},
                    },
                },
                "ReferenceResults": {
                    "type": "object",
                    "properties": {
                        "Results": {
                            "type": "object",
                            "properties": {
                                name: {"type": "array", "items": {"type": "object"}} for name in outputs
                            },
                        }
                    },
                },
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": "string"},
                                "row": {"type": "integer"},
                            },
                        }
                    },
                },
            },
        },
    }


def code_samples(url: str, version: EndpointVersion) -> dict[str, str]:
    body = json.dumps({"inputs": example_rows(version)}, indent=2)
    compact = json.dumps({"inputs": example_rows(version)})
    return {
        "curl": (
            f"curl -X POST '{url}' \\\n"
            f"  -H 'Authorization: Bearer {KEY_PLACEHOLDER}' \\\n"
            "  -H 'Content-Type: application/json' \\\n"
            f"  -d '{compact.replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}'"
        ),
        "python": (
            "import requests\n\n"
            f'URL = "{url}"\n'
            f'KEY = "{KEY_PLACEHOLDER}"\n\n'
            f"body = {body}\n\n"
            'response = requests.post(URL, json=body, headers={"Authorization": f"Bearer {KEY}"}, timeout=30)\n'
            "response.raise_for_status()\n"
            'print(response.json()["predictions"])\n'
        ),
        "javascript": (
            f'const url = "{url}";\n'
            f'const key = "{KEY_PLACEHOLDER}";\n\n'
            f"const body = {body};\n\n"
            "const response = await fetch(url, {\n"
            '  method: "POST",\n'
            '  headers: { "Authorization": `Bearer ${key}`, "Content-Type": "application/json" },\n'
            "  body: JSON.stringify(body),\n"
            "});\n"
            "if (!response.ok) throw new Error(await response.text());\n"
            "console.log((await response.json()).predictions);\n"
        ),
    }
