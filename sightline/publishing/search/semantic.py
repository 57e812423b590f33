"""Offline sentence embeddings for the library search (WordLlama, 256 dimensions).

The `wordllama` wheel bundles its default model: the weights in `wordllama/weights/` and the
tokenizer in `wordllama/tokenizers/`. Its loader looks for the tokenizer in `tokenizer/` beside
the package first and then in `<cache_dir>/tokenizers/`, so pointing `cache_dir` at the
installed package finds the bundled file. Downloads are disabled: nothing is fetched at run
time. If the package or its files are missing, or `SIGHTLINE_SEARCH_SEMANTIC` is off, the
search ranks by full-text relevance alone.

Vectors are L2-normalised float32, stored little-endian (1 KiB per item).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

MODEL_CONFIG = "l2_supercat"
DIMENSIONS = 256
BODY_CHARS = 1500  # how much of the full text goes into an item's vector

_lock = threading.Lock()
_model = None
_failed = False


def enabled() -> bool:
    return getattr(settings, "SIGHTLINE_SEARCH_SEMANTIC", True)


def _load():
    import wordllama
    from wordllama import WordLlama

    package = Path(wordllama.__file__).resolve().parent
    tokenizer = package / "tokenizers" / f"{MODEL_CONFIG}_tokenizer_config.json"
    if not tokenizer.exists():
        raise FileNotFoundError(f"The wordllama tokenizer is missing: {tokenizer}")
    return WordLlama.load(MODEL_CONFIG, dim=DIMENSIONS, cache_dir=package, disable_download=True)


def model():
    """The loaded model, or None when semantic search is off or unavailable."""
    global _model, _failed
    if not enabled():
        return None
    if _model is not None or _failed:
        return _model
    with _lock:
        if _model is None and not _failed:
            try:
                _model = _load()
            except Exception:  # noqa: BLE001 - any failure means: rank by text alone
                logger.warning("Semantic search unavailable; ranking by text only", exc_info=True)
                _failed = True
    return _model


def available() -> bool:
    return model() is not None


def is_common_word(word: str) -> bool:
    """Whether the model's tokenizer has the word as one whole-word token: a common English
    word (fire, sell), which a spelling correction must leave alone even when the library
    does not use it. False without a model."""
    current = model()
    if current is None:
        return False
    try:
        tokens = current.tokenizer.encode(word, add_special_tokens=False).tokens
    except Exception:  # noqa: BLE001
        return False
    return len(tokens) == 1 and tokens[0].lstrip("\u2581") == word


def item_text(title: str, summary: str, themes: str, body: str) -> str:
    return f"{title}. {summary} {themes}. {body[:BODY_CHARS]}"


def embed(texts: Sequence[str]):
    """An (n, 256) float32 array of unit vectors, or None without a model."""
    current = model()
    if current is None or not texts:
        return None
    import numpy as np

    vectors = current.embed(list(texts), norm=False)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype("<f4")


def to_bytes(vector) -> bytes:
    return vector.astype("<f4").tobytes()


def matrix(rows: Sequence[tuple[int, bytes]]):
    """(ids, matrix) from stored rows; vectors of the wrong size are skipped."""
    import numpy as np

    size = DIMENSIONS * 4
    good = [(item_id, blob) for item_id, blob in rows if len(blob) == size]
    ids = np.array([item_id for item_id, _ in good], dtype=np.int64)
    if not good:
        return ids, np.zeros((0, DIMENSIONS), dtype="<f4")
    data = np.frombuffer(b"".join(blob for _, blob in good), dtype="<f4")
    return ids, data.reshape(len(good), DIMENSIONS)
