"""A sweep: plan the runs, skip the finished ones, train the rest, store each.

Resuming is the normal case: the jobs of a config are planned afresh, every
seed already in the database is dropped, and only the rest is trained. The
calling process stores each result as it arrives, one commit per run.
"""

import dataclasses
from collections.abc import Callable

from arithnet.bench.config import SweepConfig, plan
from arithnet.bench.runs import Job, RunResult
from arithnet.bench.store import Store


@dataclasses.dataclass(frozen=True)
class SweepPlan:
    """What a sweep will do.

    Attributes:
        jobs: The jobs still to train.
        planned: Runs the config asks for.
        finished: Runs of the config already in the database.
    """

    jobs: list[Job]
    planned: int
    finished: int

    @property
    def seed_steps(self) -> int:
        """Training iterations summed over every seed still to train."""
        return sum(len(job.seeds) * job.spec.iterations for job in self.jobs)


def pending(config: SweepConfig, store: Store) -> SweepPlan:
    """The config's jobs minus the runs already stored."""
    jobs, planned, finished = [], 0, 0
    done_by_spec: dict[str, set[int]] = {}
    for job in plan(config):
        planned += len(job.seeds)
        key = job.spec.key
        if key not in done_by_spec:
            done_by_spec[key] = store.finished(job.spec)
        seeds = tuple(s for s in job.seeds if s not in done_by_spec[key])
        finished += len(job.seeds) - len(seeds)
        if seeds:
            jobs.append(Job(job.spec, seeds))
    return SweepPlan(jobs, planned, finished)


def run_sweep(
    config: SweepConfig,
    store: Store,
    executor,
    on_progress: Callable[[int], None] | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> SweepPlan:
    """Trains every run of `config` not yet in `store`, storing each.

    Args:
        config: The sweep.
        store: The results database; only this process writes to it.
        executor: A `LocalExecutor` or `RayExecutor`.
        on_progress: Called with the seed-iterations done so far.
        on_result: Called with each stored result.

    Returns:
        The plan that was carried out.
    """
    sweep = pending(config, store)
    done_per_job = [0] * len(sweep.jobs)

    def progress(index: int, done: int) -> None:
        done_per_job[index] = done * len(sweep.jobs[index].seeds)
        if on_progress is not None:
            on_progress(sum(done_per_job))

    def stored(results: list[RunResult]) -> None:
        for result in results:
            if store.add(result) and on_result is not None:
                on_result(result)

    if sweep.jobs:
        executor.run(sweep.jobs, stored, progress)
    return sweep
