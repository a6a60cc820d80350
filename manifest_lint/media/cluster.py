"""Media work on a Dask cluster (``--scheduler``): the backend behind
:class:`~manifest_lint.media.executor.OrderedWork` when the work outgrows one machine.

Imported only when a scheduler is given; Dask (the ``[dask]`` extra) is imported only when
the first batch needs a cluster. One client per scheduler address serves the whole run
(``local:N`` starts a :class:`~distributed.LocalCluster` of N worker processes once) and is
closed when the process ends.

* Batches: up to :data:`CLUSTER_BATCH` references per task (the process pool sends 8), so
  that a task's round trip and pickling cost little next to its decoding; the first batches
  of a run are smaller (16, 32, ... per worker) so that a small job still reaches every
  worker and the first results (and the progress bar) come back soon.
* Order: futures finish in any order; :class:`OrderedWork` hands the results on in order.
* Visibility: before the first batch, every worker is asked whether it sees the local
  folders the work reads (and runs the same manifest-lint version); if not, one
  :class:`ClusterError` and no work is sent. URLs (``s3://...``) are not checked here: media
  in a bucket is read by the workers with their own credentials
  (:mod:`manifest_lint.media.worker_reads`), and a bucket that refuses them is a note on the
  file, not an error of the cluster.
* Faults: a worker that dies has its batch run again elsewhere (the scheduler reschedules
  the work of a lost worker; ``retries`` re-runs a batch that raised); a batch that kills
  worker after worker, a scheduler that cannot be reached or goes away, end the run with a
  :class:`ClusterError`.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from manifest_lint import __version__
from manifest_lint.media import ClusterError

if TYPE_CHECKING:
    from distributed import Client

CLUSTER_BATCH = 256  # references per task
RETRIES = 2  # re-runs of a batch that raised on a worker
_MISSING_EXTRA = ("--scheduler needs Dask: install it with `pip install 'manifest-lint[dask]'` "
                  "(dask[distributed])")


@dataclass(frozen=True)
class ClusterBackends:
    """A backend factory for ``OrderedWork``: batches go to the cluster at ``address``,
    whose workers must see the local folders ``roots``."""

    address: str
    roots: tuple[str, ...] = ()
    batch: int = CLUSTER_BATCH
    ramp: int = 16  # the first batch per worker; doubling up to ``batch``
    min_parallel: int = 1  # the cluster gets every task, from the first one
    window: int = 2  # batches in flight per worker thread: one running, one waiting
    remote: bool = True

    def __call__(self, workers: int) -> DaskBackend:
        session = _session(self.address)
        session.check_roots(self.roots)
        return DaskBackend(session)


class DaskBackend:
    """``submit``/``shutdown`` on a shared client; ``workers`` is the cluster's threads."""

    def __init__(self, session: _Session) -> None:
        self.session = session
        self.workers = session.threads()
        self._futures: list[Any] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        name = getattr(fn, "func", fn).__name__
        try:
            remote = self.session.client.submit(
                fn, *args, key=f"{name}-{uuid.uuid4().hex}", pure=False, retries=RETRIES)
        except Exception as exc:  # noqa: BLE001 - the client is closed or the comm broke
            raise self.session.lost(exc) from None
        self._futures.append(remote)
        if len(self._futures) > 1024:
            self._futures = [f for f in self._futures if not f.done()]
        return _ClusterFuture(remote, self.session)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pending = [f for f in self._futures if not f.done()]
        self._futures = []
        if pending and cancel_futures and self.session.client.status == "running":
            try:
                self.session.client.cancel(pending)
            except Exception:  # noqa: BLE001, S110 - the cluster is going away anyway
                pass


class _ClusterFuture(Future):  # type: ignore[type-arg]
    """A concurrent future over a Dask future: ``result()`` waits for it and turns cluster
    failures into :class:`ClusterError` (a failure of the work itself passes through)."""

    def __init__(self, remote: Any, session: _Session) -> None:
        super().__init__()
        self._remote = remote
        self._session = session

    def result(self, timeout: float | None = None) -> Any:
        from distributed import KilledWorker

        try:
            return self._remote.result(timeout=timeout)
        except KilledWorker as exc:
            raise ClusterError(
                f"a batch of media work on the Dask cluster at {self._session.address} "
                f"lost worker after worker ({exc}); the workers may run out of memory: give "
                "them more, or fewer threads per worker") from None
        except (CancelledError, OSError) as exc:
            if self._remote.status == "error":
                raise  # the work itself raised on the worker (after its retries)
            raise self._session.lost(exc) from None

    def done(self) -> bool:
        return bool(self._remote.done())

    def cancel(self) -> bool:
        self._remote.cancel()
        return True


@dataclass
class _Session:
    """One client (and for ``local:N`` its cluster) for the whole run."""

    address: str
    client: Client
    cluster: Any = None
    seen: set[str] = field(default_factory=set)  # folders every worker sees

    def threads(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception as exc:  # noqa: BLE001 - the scheduler went away
            raise self.lost(exc) from None

    def lost(self, exc: BaseException) -> ClusterError:
        detail = f" ({type(exc).__name__}: {exc})" if str(exc) else ""
        return ClusterError(
            f"lost the Dask scheduler at {self.address} during the run{detail}; nothing was "
            "written for the file being checked or created. Check that the scheduler is "
            "running, then run the command again")

    def check_roots(self, roots: tuple[str, ...]) -> None:
        """Raise :class:`ClusterError` unless every worker runs this manifest-lint version
        and sees every local folder in ``roots`` (URLs are not checked)."""
        wanted = sorted({r for r in roots if "://" not in r and os.path.isdir(r)} - self.seen)
        if wanted or not self.seen:
            try:
                answers = self.client.run(probe_worker, wanted)
            except Exception as exc:  # noqa: BLE001 - unpicklable on the worker, comm lost
                raise ClusterError(
                    f"the workers of the Dask cluster at {self.address} cannot run "
                    f"manifest-lint ({type(exc).__name__}: {exc}); install manifest-lint "
                    f"{__version__} with the [dask] extra on every worker") from None
            _judge_probe(self.address, wanted, answers)
            self.seen.update(wanted)
            self.seen.add("")  # the version was checked


def probe_worker(folders: list[str]) -> tuple[str, list[str]]:
    """On a worker: this manifest-lint's version and which of ``folders`` it cannot see."""
    return __version__, [f for f in folders if not os.path.isdir(f)]


def _judge_probe(address: str, folders: list[str],
                 answers: dict[str, tuple[str, list[str]]]) -> None:
    if not answers:
        raise ClusterError(f"the Dask cluster at {address} has no workers; start some "
                           f"(`dask worker {address}`)")
    versions = {worker: version for worker, (version, _) in answers.items()}
    for worker, version in sorted(versions.items()):
        if version != __version__:
            raise ClusterError(
                f"worker {worker} of the Dask cluster at {address} runs manifest-lint "
                f"{version}, this client {__version__}; install the same version on both")
    for folder in folders:
        blind = sorted(w for w, (_, missing) in answers.items() if folder in missing)
        if blind:
            raise ClusterError(
                f"the media folder {folder} does not exist on {len(blind)} of {len(answers)} "
                f"workers of the Dask cluster at {address} (e.g. {blind[0]}); no work was "
                "sent. Put the dataset on storage every worker mounts at the same path, or run "
                "without --scheduler")


# --------------------------------------------------------------------------- sessions

_sessions: dict[str, _Session] = {}
_lock = threading.Lock()


def _session(address: str) -> _Session:
    with _lock:
        session = _sessions.get(address)
        if session is None:
            session = _sessions[address] = _connect(address)
            if len(_sessions) == 1:
                atexit.register(close_all)
        return session


def _connect(address: str) -> _Session:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError(_MISSING_EXTRA) from None
    for name in ("distributed", "tornado"):  # our own errors say what went wrong
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if address.startswith("local:"):
        try:
            cluster = LocalCluster(n_workers=int(address[6:]), threads_per_worker=1,
                                   processes=True, dashboard_address=None,
                                   silence_logs=logging.CRITICAL)
        except Exception as exc:  # noqa: BLE001 - e.g. no ports, no processes
            raise ClusterError(f"cannot start the local Dask cluster {address}: "
                               f"{type(exc).__name__}: {exc}") from None
        return _Session(address, Client(cluster, set_as_default=False), cluster)
    try:
        client = Client(address, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - refused, timed out, bad address
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address}: {type(exc).__name__}: {exc}. "
            "Check the address and that the scheduler is running (`dask scheduler`), or "
            "use --scheduler local:N to start N local workers (the connect timeout is "
            "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT)") from None
    return _Session(address, client)


def close_all() -> None:
    """Close every client (and the local clusters this process started)."""
    with _lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    for session in sessions:
        for closeable in (session.client, session.cluster):
            if closeable is None:
                continue
            try:
                closeable.close()
            except Exception:  # noqa: BLE001, S110 - closing at exit, nothing to report
                pass
