"""Experiments in remote storage (``--storage-path s3://bucket/path``, ``gs://``, ``hdfs://``):
Tune writes them there itself (through pyarrow's filesystems); rlcli keeps a local mirror of
each one's small files and reads that, so everything that reads an experiment dir (the lock,
the saved spec, Tune's state files, result rows, the checkpoint index) works unchanged.

The mirror is ``$XDG_CACHE_HOME/rlcli/storage/<scheme>/<bucket and path>`` (``~/.cache/...``):
every file except those inside checkpoint dirs, of which only the marker
(``rllib_checkpoint.json``) comes down, so ``locate`` sees which checkpoints exist. A checkpoint's
files come down when it is rolled out. Credentials and endpoints are pyarrow's: the usual AWS
variables (``AWS_ENDPOINT_URL_S3`` for an S3-compatible server), Google's for ``gs://``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rlcli.core.errors import UsageError

#: Schemes pyarrow's ``FileSystem.from_uri`` opens (``file://`` is a local path to rlcli).
REMOTE_SCHEMES = ("s3", "gs", "gcs", "hdfs", "viewfs", "abfs", "abfss")
CHECKPOINT_MARKER = "rllib_checkpoint.json"


def is_remote(path: str | os.PathLike[str]) -> bool:
    text = str(path)
    return "://" in text and text.split("://", 1)[0].lower() in REMOTE_SCHEMES


def check_uri(uri: str) -> None:
    """A URI rlcli can hand to Tune: a scheme pyarrow opens, with a bucket (or host)."""
    scheme = uri.split("://", 1)[0].lower()
    if scheme not in REMOTE_SCHEMES:
        raise UsageError(
            f"storage path '{uri}': '{scheme}://' is not a storage Tune can write to.",
            f"Use a local or mounted directory, or one of {', '.join(s + '://' for s in REMOTE_SCHEMES)}.",
        )
    if not urlsplit(uri).netloc:
        raise UsageError(f"storage path '{uri}' names no bucket.", f"Write it as {scheme}://BUCKET/PATH.")


def join(uri: str, *parts: str) -> str:
    """``uri`` with path ``parts`` appended, its query (``?endpoint_override=...``) kept last."""
    split = urlsplit(uri)
    path = "/".join([split.path.rstrip("/"), *(p.strip("/") for p in parts)])
    return urlunsplit((split.scheme, split.netloc, path, split.query, ""))


def mirror_dir(uri: str) -> Path:
    """Where the local mirror of ``uri`` lives (the same place for the same URI, query aside)."""
    split = urlsplit(uri)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "rlcli" / "storage" / split.scheme / split.netloc / split.path.strip("/")


def to_uri(local: Path, uri: str) -> str:
    """The remote location of a path inside ``uri``'s mirror."""
    return join(uri, str(Path(local).relative_to(mirror_dir(uri))))


def _filesystem(uri: str) -> tuple[Any, str]:
    import pyarrow.fs as pafs

    try:
        return pafs.FileSystem.from_uri(uri)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError with the reason
        raise UsageError(f"Cannot open '{uri}': {exc}.", "Check the URI and the storage's credentials.") from None


def reachable(uri: str) -> None:
    """Fail before Ray starts when the storage cannot be listed (bad credentials, endpoint)."""
    fs, path = _filesystem(uri)
    try:
        fs.get_file_info(path)
    except Exception as exc:
        raise UsageError(f"Cannot reach '{uri}': {exc}.", "Check the URI and the storage's credentials.") from None


def pull(uri: str, with_checkpoints: bool = False) -> Path:
    """Bring ``uri``'s files into its mirror (only what changed: size or modification time) and
    return the mirror dir. Without ``with_checkpoints``, of each checkpoint dir only its marker."""
    import pyarrow.fs as pafs

    fs, root = _filesystem(uri)
    local_root = mirror_dir(uri)
    try:
        infos = fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
    except Exception as exc:
        raise UsageError(f"Cannot list '{uri}': {exc}.", "Check the URI and the storage's credentials.") from None
    for info in infos:
        if info.type != pafs.FileType.File:
            continue
        rel = info.path[len(root.rstrip("/")) + 1 :]
        parts = rel.split("/")
        in_checkpoint = any(p.startswith("checkpoint_") for p in parts[:-1])
        if in_checkpoint and not with_checkpoints and parts[-1] != CHECKPOINT_MARKER:
            continue
        _fetch(fs, info, local_root / rel)
    local_root.mkdir(parents=True, exist_ok=True)
    return local_root


def _fetch(fs: Any, info: Any, target: Path) -> None:
    mtime = info.mtime.timestamp() if info.mtime is not None else None
    if target.is_file() and target.stat().st_size == info.size and (mtime is None or target.stat().st_mtime == mtime):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    with fs.open_input_stream(info.path) as src, open(tmp, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.replace(tmp, target)
    if mtime is not None:
        os.utime(target, (mtime, mtime))


def push_file(local: Path, uri: str) -> None:
    """Upload one file of a mirror to its remote place (S3 writes an object whole, or not at all)."""
    fs, path = _filesystem(to_uri(local, uri))
    with open(local, "rb") as src, fs.open_output_stream(path) as dst:
        dst.write(src.read())
