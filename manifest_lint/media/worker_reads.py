"""Reading objects where the work runs: on the workers of a Dask cluster (``--scheduler``
with media in a bucket).

The client lists the bucket (existence, size, change token), judges and caches; a worker gets
references (:class:`ObjectRef`: the URL, the size the listing said, a header or the whole
object) and reads them with a client made from its OWN environment (the AWS chain,
``AWS_ENDPOINT_URL``, ``GOOGLE_APPLICATION_CREDENTIALS``, Azure's variables; only an endpoint
set for manifest-lint travels with the work, never credentials), one client per bucket and
endpoint for the life of the worker process. What was read (:class:`ObjectRead`: the first
bytes, or a temporary file that the decoder deletes) stays on the worker; only the decoded
facts go back. Knows no kind: the kinds' worker functions call :class:`Reader`.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from manifest_lint.cloud import root_of

if TYPE_CHECKING:
    from manifest_lint.media.objects import ObjectStore

ON_WORKERS = " (read by the Dask workers, with the credentials of their own environment)"
READ_AHEAD = 8  # objects in flight per worker thread while it decodes


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One object to read on a worker: ``size`` is what the client's listing said (None
    when it was not listed); ``whole`` reads all of it into a temporary file (named after the
    object, in a folder of its own, when ``keep_name``), else only the image header."""

    url: str
    size: int | None = None
    whole: bool = False
    keep_name: bool = False


@dataclass(slots=True)
class ObjectRead:
    """What a worker read of one object: ``status`` is ``"ok"``, ``"missing"`` (deleted
    since the listing), ``"skipped"`` (the bucket refused this worker: ``message`` says why)
    or ``"failed"`` (the worker's own disk: ``message``)."""

    url: str
    status: str = "ok"
    message: str = ""
    head: bytes | None = None
    complete: bool = False
    spool: str | None = None  # the whole object, on the worker's disk
    size: int = 0  # what the read found (size and change token)
    token: str = ""


_STORES: dict[tuple[str, str | None], ObjectStore] = {}
_LOCK = threading.Lock()


def worker_store(url: str, endpoint: str | None = None) -> ObjectStore:
    """This process's store for ``url``'s bucket, over a client made from this process's
    environment (and ``endpoint`` when one was set for manifest-lint); kept for the life of
    the process, one per bucket and endpoint."""
    top = root_of(url)
    with _LOCK:
        store = _STORES.get((top, endpoint))
        if store is None:
            from manifest_lint.media.clients import client_for
            from manifest_lint.media.objclient import options_from_env
            from manifest_lint.media.objects import ObjectStore

            store = ObjectStore(top, client_for(top, options_from_env(endpoint)))
            _STORES[(top, endpoint)] = store
        return store


class Reader:
    """Reads the references of one batch; a bucket that refused one is not asked again for
    the rest of the batch (its references are ``"skipped"`` with the same message)."""

    def __init__(self, endpoint: str | None = None) -> None:
        self.endpoint = endpoint
        self.refused: dict[str, str] = {}

    def read_many(self, refs: Iterable[ObjectRef | None]) -> Iterator[ObjectRead | None]:
        """:meth:`read` of each reference (None for None), in order, up to
        :data:`READ_AHEAD` in flight on threads: the next objects arrive while the caller
        decodes this one. The caller must take every read (it deletes their files)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(READ_AHEAD, thread_name_prefix="manifest-lint-read") as pool:
            pending: deque[Future[ObjectRead] | None] = deque()
            for ref in refs:
                pending.append(None if ref is None else pool.submit(self.read, ref))
                if len(pending) > READ_AHEAD:
                    done = pending.popleft()
                    yield None if done is None else done.result()
            while pending:
                done = pending.popleft()
                yield None if done is None else done.result()

    def read(self, ref: ObjectRef) -> ObjectRead:
        """Read ``ref`` (never raises)."""
        from manifest_lint.media.objclient import BucketError
        from manifest_lint.media.objects import read_head, spool_file

        out = ObjectRead(ref.url)
        top = root_of(ref.url)
        refused = self.refused.get(top)
        if refused is not None:
            out.status, out.message = "skipped", refused
            return out
        try:
            store = worker_store(ref.url, self.endpoint)
            if ref.whole:
                target = spool_file(ref.url, keep_name=ref.keep_name)
                try:
                    info = store.download(ref.url, target)
                except BaseException:
                    os.unlink(target)
                    raise
                out.spool, out.complete = target, True
            else:
                out.head, out.complete, info = read_head(store, ref.url, ref.size)
        except FileNotFoundError:
            out.status = "missing"
        except BucketError as exc:
            out.status, out.message = "skipped", str(exc) + ON_WORKERS
            self.refused[top] = out.message
        except ImportError as exc:  # the provider's library is not on this worker
            out.status = "skipped"
            out.message = (f"the Dask workers cannot read {top} ({exc}); install "
                           "manifest-lint with the provider's extra ([s3], [gcs] or [azure]) "
                           "on every worker")
            self.refused[top] = out.message
        except OSError as exc:  # the temporary file on the worker's disk
            out.status, out.message = "failed", str(exc.strerror or exc)
        except Exception as exc:  # noqa: BLE001 - a read must never fail the whole batch
            out.status, out.message = "failed", f"{type(exc).__name__}: {exc}"
        else:
            out.size, out.token = info.size, info.etag
        return out


def drop(read: ObjectRead) -> None:
    """Delete what ``read`` left on the worker's disk (its temporary file and, for a kept
    name, the folder of its own)."""
    if read.spool is None:
        return
    from manifest_lint.media.objects import spool_dir

    folder = os.path.dirname(read.spool)
    try:
        os.unlink(read.spool)
        if folder != spool_dir():
            os.rmdir(folder)
    except OSError:
        pass
    read.spool = None
