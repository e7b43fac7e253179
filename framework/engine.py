"""The engine a run's batch work runs on: pandas in this process, or Dask on a local or remote cluster."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from framework.errors import BadInput
from framework.guards import quote

if TYPE_CHECKING:
    import pandas as pd

ENGINES: tuple[str, ...] = ("pandas", "dask")
# Seconds to wait for a --scheduler to answer before refusing the run.
CONNECT_TIMEOUT_S = 10


@dataclass
class Engine:
    """Where a case's batch work (generation, cleaning, features, aggregation, batch scoring) runs.

    The case code is the same on both engines: a frame is a pandas DataFrame on ``pandas`` and a
    ``dask.dataframe.DataFrame`` on ``dask``, and the few operations that differ go through the
    methods here. Block boundaries come from the data (a case's config), never from the number of
    workers, so the same seed gives the same rows on one laptop or a cluster.

    Attributes:
        name: ``"pandas"`` or ``"dask"``.
        client: the ``distributed.Client`` on ``dask``.
        scheduler: the scheduler address (``"local"`` for a LocalCluster started by this run).
        dashboard: the Dask dashboard's URL, when there is one.
        workers: number of Dask workers (1 on pandas).
        cores: worker threads doing the work: the sum of the workers' threads (1 on pandas).
        on_partition: called with (partitions done, partitions) while :meth:`compute` waits (progress).
    """

    name: str = "pandas"
    client: Any = None
    scheduler: str = ""
    dashboard: str | None = None
    workers: int = 1
    cores: int = 1
    on_partition: Callable[[int, int], None] | None = None

    @property
    def is_dask(self) -> bool:
        """True when frames are Dask frames."""
        return self.name == "dask"

    def describe(self) -> dict[str, Any]:
        """The engine as recorded in ``metrics.json["data"]["engine"]``."""
        return {"name": self.name, "scheduler": self.scheduler or None, "workers": self.workers, "threads": self.cores}

    def from_blocks(self, build: Callable[[Any], pd.DataFrame], blocks: Sequence[Any], meta: Any = None) -> Any:
        """One frame made of independently built blocks, in block order.

        Args:
            build: a module-level function (it is pickled to the workers) turning one block's
                description (e.g. ``(block index, first entity, last entity)``) into its rows.
                It must draw only from that block's own named random stream.
            blocks: the block descriptions.
            meta: an empty frame with the result's columns and dtypes (Dask only; built from
                the first block when None, which runs it once more on the client).
        """
        import pandas as pd

        if not self.is_dask:
            return pd.concat([build(b) for b in blocks], ignore_index=True)
        import dask.dataframe as dd

        extra = {} if meta is None else {"meta": meta}
        return dd.from_map(build, list(blocks), enforce_metadata=False, **extra)

    def by_entity(
        self,
        frame: Any,
        key: str,
        apply: Callable[[pd.DataFrame], pd.DataFrame],
        meta: Any = None,
        npartitions: int | None = None,
    ) -> Any:
        """``apply`` on frames that each hold every row of the entities they hold.

        On pandas ``apply`` sees the whole frame; on Dask the rows are first shuffled by ``key``
        (Dask's own shuffle), so per-entity windows see each entity's full history.

        Args:
            frame: the rows.
            key: the entity column (e.g. ``customer_id``).
            apply: a module-level function computing per-entity results for the rows it gets;
                it must not depend on which other entities share its partition.
            meta: the result's empty frame (Dask only).
            npartitions: partitions after the shuffle (default: at least two per core). Results
                never depend on it: ``apply`` is per entity.
        """
        if not self.is_dask:
            return apply(frame)
        parts = npartitions or max(frame.npartitions, 2 * self.cores)
        shuffled = frame.shuffle(on=key, npartitions=parts)
        return shuffled.map_partitions(apply, meta=meta) if meta is not None else shuffled.map_partitions(apply)

    def collect(self, frame: Any, order: Sequence[str] | None = None) -> pd.DataFrame:
        """A pandas frame of ``frame``'s rows (computed on Dask), sorted by ``order`` when given.

        Sorting by a unique key makes the collected rows the same, in the same order, on either
        engine, so whatever is trained on them is too.
        """
        result = self.compute(frame)
        if order:
            result = result.sort_values(list(order), kind="stable").reset_index(drop=True)
        return result

    def compute(self, *objs: Any) -> Any:
        """Compute Dask collections (pandas objects pass through); one object in, one out.

        On a cluster the partitions are computed first and counted as they finish, so the
        progress bar shows ``partitions k/n`` of the step that asked.
        """
        if not self.is_dask:
            return objs[0] if len(objs) == 1 else objs
        import dask

        if self.client is not None and self.on_partition is not None:
            from distributed import as_completed, futures_of

            objs = tuple(self.client.persist(o) if dask.is_dask_collection(o) else o for o in objs)
            futures = [f for o in objs if dask.is_dask_collection(o) for f in futures_of(o)]
            for done, _ in enumerate(as_completed(futures), start=1):
                self.on_partition(done, len(futures))
        computed = dask.compute(*objs)
        return computed[0] if len(objs) == 1 else computed

    def gather_each(self, tasks: Sequence[Any]) -> list[Any]:
        """Compute ``dask.delayed`` tasks; each result is fetched as soon as it is done, results in order.

        A finished task's result leaves the workers as it arrives here (:meth:`compute` keeps every
        result on the workers until the last one is done: at ETA's xl, 1.7 GB held twice at the end).
        """
        if not self.is_dask or self.client is None:
            import dask

            return list(dask.compute(*tasks))
        from distributed import as_completed

        futures = self.client.compute(list(tasks))
        position = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, future in enumerate(as_completed(futures), start=1):
            results[position[future.key]] = future.result()
            future.release()
            if self.on_partition is not None:
                self.on_partition(done, len(futures))
        return results

    def map(self, fn: Callable[..., Any], chunks: Sequence[tuple[Any, ...]], shared: tuple[Any, ...] = ()) -> list[Any]:
        """``fn(*shared, *chunk)`` for every chunk, results in the chunks' order (batch scoring, partition-wise).

        On a cluster each chunk is one task on the workers and ``shared`` (a model, a lookup table) is
        sent to every worker once; on pandas, or with a single chunk, the calls run in this process.
        """
        if not self.is_dask or self.client is None or len(chunks) <= 1:
            return [fn(*shared, *chunk) for chunk in chunks]
        from distributed import as_completed

        on_workers = self.client.scatter(list(shared), broadcast=True) if shared else []
        futures = [self.client.submit(fn, *on_workers, *chunk, pure=False) for chunk in chunks]
        if self.on_partition is not None:
            for done, _ in enumerate(as_completed(futures), start=1):
                self.on_partition(done, len(futures))
        return list(self.client.gather(futures))

    def persist(self, frame: Any) -> Any:
        """Keep a Dask frame in the workers' memory (spilled to disk when needed); pandas passes through."""
        return self.client.persist(frame) if self.is_dask else frame


def check_engine(name: str, scheduler: str | None) -> None:
    """Refuse an unknown engine, or ``--scheduler`` without Dask, before any work.

    Raises:
        BadInput: naming the bad value.
    """
    if name not in ENGINES:
        raise BadInput(f"unknown engine {quote(name, 40)}; choose one of {', '.join(ENGINES)}")
    if scheduler is not None and name != "dask":
        raise BadInput(f"--scheduler {quote(scheduler, 80)} attaches to a Dask cluster; add --engine dask")
    if scheduler is not None and not scheduler.strip():
        raise BadInput("--scheduler is empty; give an address such as tcp://127.0.0.1:8786")


def local_cluster_size(cores: int | None = None) -> int:
    """Workers of a LocalCluster on this machine: one single-threaded process per core.

    Processes, not threads: the cases' numpy/pandas code holds the GIL in places, and a worker
    per core is what a cluster node runs too.
    """
    return max(1, cores or os.cpu_count() or 1)


@contextmanager
def open_engine(name: str, scheduler: str | None = None, say: Callable[[str], None] = print) -> Iterator[Engine]:
    """The run's engine, with its cluster closed afterwards (a LocalCluster it started is stopped).

    Args:
        name: ``pandas`` or ``dask``.
        scheduler: a running scheduler's address; without one, a LocalCluster sized to the machine.
        say: where the cluster and its dashboard address are announced.

    Raises:
        BadInput: the scheduler does not answer, or Dask is not installed.
    """
    check_engine(name, scheduler)
    if name == "pandas":
        yield Engine()
        return
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise BadInput(f"--engine dask needs the dask and distributed packages ({exc.name} is missing)") from None
    import logging
    import tempfile

    # Spill files go to the system's temp folder, never into the user's working directory.
    with dask.config.set({"temporary-directory": tempfile.gettempdir(), "distributed.admin.log-length": 0}):
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=local_cluster_size(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
            where = "local"
        else:
            cluster = None
            try:
                client = Client(scheduler.strip(), timeout=f"{CONNECT_TIMEOUT_S}s")
            except ValueError:
                raise BadInput(
                    f"--scheduler {quote(scheduler, 80)} is not a scheduler address like tcp://10.0.0.5:8786"
                ) from None
            except (OSError, TimeoutError) as exc:
                raise BadInput(
                    f"--scheduler {quote(scheduler, 80)} did not answer within {CONNECT_TIMEOUT_S} s "
                    f"({type(exc).__name__}); start one with `dask scheduler`"
                ) from None
            where = scheduler.strip()
        try:
            info = client.scheduler_info(n_workers=-1)
            workers = info.get("workers", {})
            engine = Engine(
                name="dask",
                client=client,
                scheduler=where,
                dashboard=_dashboard(client),
                workers=len(workers),
                cores=sum(w.get("nthreads", 1) for w in workers.values()) or 1,
            )
            kind = "LocalCluster on this machine" if cluster is not None else f"scheduler {where}"
            board = f"; dashboard {engine.dashboard}" if engine.dashboard else ""
            say(f"dask: {kind}, {engine.workers} workers, {engine.cores} threads{board}")
            yield engine
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _dashboard(client: Any) -> str | None:
    """The dashboard URL when the scheduler serves one (it needs bokeh), else None."""
    try:
        services = client.scheduler_info(n_workers=0).get("services", {})
    except Exception:  # noqa: BLE001 - the dashboard is a convenience, never a reason to fail
        return None
    return client.dashboard_link if "dashboard" in services else None
