import pytest

from arithnet.bench import executors, models, thresholds
from arithnet.bench.runs import Job, RunSpec
from arithnet.bench.tasks import SINGLE_MODULE, Range


def _job(seeds, iterations=1000) -> Job:
    spec = RunSpec(
        task="single_module",
        op="add",
        model="NAU",
        interpolation="U[1;2]",
        extrapolation="U[2;6]",
        iterations=iterations,
        batch_size=64,
        eval_every=500,
        settings=models.Settings(regularizer_scale=0.01),
        threshold=thresholds.success_threshold(
            SINGLE_MODULE, "add", Range.parse("U[2;6]")
        ),
    )
    return Job(spec, seeds)


def _collect(executor, jobs):
    results, progress = [], []
    executor.run(
        jobs, results.extend, lambda index, done: progress.append((index, done))
    )
    return results, progress


def test_local_processes_run_jobs_in_parallel():
    jobs = [_job((0, 1)), _job((2,))]
    results, progress = _collect(executors.LocalExecutor(workers=2), jobs)
    assert sorted(r.seed for r in results) == [0, 1, 2]
    assert (0, 1000) in progress and (1, 1000) in progress


def test_one_worker_runs_in_process():
    results, progress = _collect(executors.LocalExecutor(workers=1), [_job((4,))])
    assert [r.seed for r in results] == [4]
    assert progress == [(0, 500), (0, 1000)]


# Ray forks helper processes; JAX warns about any fork once it runs threads.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore:os.fork")
def test_ray_local_instance():
    pytest.importorskip("ray")
    results, progress = _collect(executors.RayExecutor(num_cpus=1), [_job((5, 6))])
    assert sorted(r.seed for r in results) == [5, 6]
    assert progress == [(0, 1000)]


def test_get_executor():
    assert isinstance(executors.get_executor("local"), executors.LocalExecutor)
    with pytest.raises(ValueError, match="Accepted: local, ray"):
        executors.get_executor("dask")
    with pytest.raises(ValueError, match="needs the Ray executor"):
        executors.get_executor("local", address="ray://head:10001")
    with pytest.raises(ValueError, match="workers >= 1"):
        executors.LocalExecutor(0)
