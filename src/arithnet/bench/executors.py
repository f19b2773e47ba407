"""Where jobs run: local worker processes (default) or a Ray cluster.

Both executors take a list of jobs and two callbacks: `on_result` receives a
job's results in the calling process as soon as the job is done (the sweep
stores them there, so only one process writes the database), and
`on_progress(job_index, iterations_done)` reports training progress.

Local workers are spawned, not forked (JAX is multithreaded), and each runs
XLA single-threaded so that parallel jobs do not fight over the cores. With
one worker the jobs run in the calling process.
"""

import concurrent.futures
import multiprocessing
import os
import queue
from collections.abc import Callable

from arithnet.bench.runs import Job, RunResult

ResultCallback = Callable[[list[RunResult]], None]
ProgressCallback = Callable[[int, int], None]

_SINGLE_THREAD_XLA = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
_progress_queue = None


def _init_worker(progress_queue) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{flags} {_SINGLE_THREAD_XLA}".strip()
    os.environ.setdefault("KERAS_BACKEND", "jax")


def run_job(job: Job, index: int = 0) -> list[RunResult]:
    """Trains one job; in a local worker it also reports progress."""
    from arithnet.bench import trainer

    def report(done: int) -> None:
        if _progress_queue is not None:
            _progress_queue.put((index, done))

    return trainer.train(job, progress=report)


class LocalExecutor:
    """Runs jobs in parallel local processes.

    Args:
        workers: How many processes; `None` uses one per CPU core (at most one
            per job). With 1 the jobs run in the calling process.
    """

    def __init__(self, workers: int | None = None):
        if workers is not None and workers < 1:
            raise ValueError(
                f"Too few workers. Accepted: workers >= 1. Received: workers={workers}"
            )
        self.workers = workers

    def run(
        self,
        jobs: list[Job],
        on_result: ResultCallback,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """Trains every job; returns when all are done."""
        from arithnet.bench import trainer

        workers = self.workers or os.cpu_count() or 1
        workers = max(1, min(workers, len(jobs)))
        if workers == 1:
            for index, job in enumerate(jobs):
                report = None
                if on_progress is not None:
                    report = lambda done, i=index: on_progress(i, done)  # noqa: E731
                on_result(trainer.train(job, progress=report))
            return
        self._run_pool(jobs, workers, on_result, on_progress)

    def _run_pool(self, jobs, workers, on_result, on_progress) -> None:
        context = multiprocessing.get_context("spawn")
        progress_queue = context.Queue()
        with concurrent.futures.ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(progress_queue,),
        ) as pool:
            pending = {pool.submit(run_job, job, i) for i, job in enumerate(jobs)}
            while pending:
                done, pending = concurrent.futures.wait(pending, timeout=0.5)
                _drain(progress_queue, on_progress)
                for future in done:
                    on_result(future.result())
            _drain(progress_queue, on_progress)


def _drain(progress_queue, on_progress: ProgressCallback | None) -> None:
    while True:
        try:
            index, done = progress_queue.get_nowait()
        except queue.Empty:
            return
        if on_progress is not None:
            on_progress(index, done)


class RayExecutor:
    """Runs jobs as Ray tasks, one CPU each, on a cluster or a local instance.

    Ray is an optional dependency (`pip install arithnet[ray]`); the cluster's
    workers need arithnet installed too.

    Args:
        address: The Ray cluster address (`ray://host:10001`, `auto`), or
            `None` to start a local Ray instance.
        num_cpus: CPUs of a local instance; ignored with an address.
    """

    def __init__(self, address: str | None = None, num_cpus: int | None = None):
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError(
                "The Ray executor needs Ray. Accepted: install the extra with "
                "`pip install arithnet[ray]`. Received: executor='ray'"
            ) from None
        self.address = address
        self.num_cpus = num_cpus

    def run(
        self,
        jobs: list[Job],
        on_result: ResultCallback,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """Trains every job as a Ray task; returns when all are done."""
        import ray

        started_here = not ray.is_initialized()
        if started_here:
            ray.init(
                address=self.address,
                num_cpus=None if self.address else self.num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env={"env_vars": _worker_env()},
            )
        try:
            remote = ray.remote(num_cpus=1)(run_job)
            pending = {remote.remote(job, i): i for i, job in enumerate(jobs)}
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                index = pending.pop(done[0])
                results = ray.get(done[0])
                if on_progress is not None:
                    on_progress(index, jobs[index].spec.iterations)
                on_result(results)
        finally:
            if started_here:
                ray.shutdown()


def _worker_env() -> dict[str, str]:
    env = {"KERAS_BACKEND": "jax", "JAX_ENABLE_X64": "1"}
    flags = os.environ.get("XLA_FLAGS", "")
    env["XLA_FLAGS"] = f"{flags} {_SINGLE_THREAD_XLA}".strip()
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def get_executor(name: str, address: str | None = None, workers: int | None = None):
    """The executor called `name` (`local` or `ray`).

    Raises:
        ValueError: For another name, or `address` with the local executor.
    """
    if name == "local":
        if address is not None:
            raise ValueError(
                "An address needs the Ray executor. Accepted: --executor ray "
                f"with --address. Received: executor='local', address={address!r}"
            )
        return LocalExecutor(workers)
    if name == "ray":
        return RayExecutor(address, num_cpus=workers)
    raise ValueError(
        f"Unknown executor. Accepted: local, ray. Received: executor={name!r}"
    )
