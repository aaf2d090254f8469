"""The floor for bench/scoring.py: the smallest ASGI app that scores with the same trained model.

It reads ``{"inputs": [{...}]}``, puts the model's feature columns of each row into a numpy matrix, calls
the native LightGBM booster and returns the probabilities: no key check, no validation, no
transformations, no logging. Run under uvicorn exactly like the designer:
``FLOOR_MODEL=<artifact file> FLOOR_COLUMNS='[...]' uvicorn bench.scoring_floor:app``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from threadpoolctl import threadpool_limits

from modules.sdk import codecs

_MODEL = codecs.object_from_bytes(Path(os.environ["FLOOR_MODEL"]).read_bytes())
# The same thread settings as the scoring route (one thread per prediction), once LightGBM is loaded.
_THREAD_LIMITS = threadpool_limits(limits=int(os.environ.get("SCORING_THREADS", "1")))
_BOOSTER = _MODEL.estimator.booster
_COLUMNS: list[str] = json.loads(os.environ["FLOOR_COLUMNS"])
_HEADERS = [(b"content-type", b"application/json")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    rows = orjson.loads(body)["inputs"]
    X = np.array([[row[c] for c in _COLUMNS] for row in rows], dtype=np.float64)
    probabilities = _BOOSTER.predict(X).tolist()
    payload = orjson.dumps({"predictions": [{"Scored Probabilities": p} for p in probabilities]})
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": payload})
