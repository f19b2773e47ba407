"""Sweep configurations: a TOML file, read into typed settings and planned.

A sweep names its defaults at the top and one `[[experiment]]` table per
group of runs; every experiment expands to the product of its operations,
models and range pairs, each trained on every seed::

    name = "quick"
    seeds = 8                # seeds 0..7; or a list such as [0, 5, 9]
    iterations = 30000       # omit for the task's published budget

    [[experiment]]
    task = "arithmetic"
    ops = ["add", "sub"]
    models = ["NAU"]
    ranges = "default"       # or "all", or [["U[1;2]", "U[2;6]"], ...]

    [experiment.settings.NAU]  # overrides of the published settings
    regularizer_start = 2000
    regularizer_end = 20000

The configs that ship with arithnet live in `arithnet/bench/configs/`; a bare
name such as `quick.toml` finds them from any directory.
"""

import importlib.resources
import pathlib
import tomllib
from typing import Any, Literal

import pydantic

from arithnet.bench import tasks, thresholds
from arithnet.bench.models import Settings, available_models, get_model
from arithnet.bench.runs import Job, RunSpec


class Experiment(pydantic.BaseModel):
    """One `[[experiment]]` table: a task and the runs to make on it."""

    model_config = pydantic.ConfigDict(extra="forbid")

    task: str
    ops: list[str] = pydantic.Field(min_length=1)
    models: list[str] = pydantic.Field(min_length=1)
    ranges: Literal["default", "all"] | list[tuple[str, str]] = "default"
    iterations: int | None = pydantic.Field(None, gt=0)
    seeds: int | list[int] | None = None
    settings: dict[str, dict[str, Any]] = {}


class SweepConfig(pydantic.BaseModel):
    """A whole sweep: defaults and experiments."""

    model_config = pydantic.ConfigDict(extra="forbid")

    name: str
    description: str = ""
    seeds: int | list[int] = 10
    iterations: int | None = pydantic.Field(None, gt=0)
    batch_size: int = pydantic.Field(128, gt=0)
    eval_every: int = pydantic.Field(1000, gt=0)
    seeds_per_job: int = pydantic.Field(100, gt=0)
    experiment: list[Experiment] = pydantic.Field(min_length=1)


def shipped_configs() -> list[str]:
    """File names of the configs that ship with arithnet."""
    folder = importlib.resources.files("arithnet.bench").joinpath("configs")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".toml"))


def _read(path: str | pathlib.Path) -> str:
    path = pathlib.Path(path)
    if path.exists():
        return path.read_text(encoding="utf-8")
    if path.name in shipped_configs() and len(path.parts) == 1:
        folder = importlib.resources.files("arithnet.bench").joinpath("configs")
        return folder.joinpath(path.name).read_text(encoding="utf-8")
    raise ValueError(
        "Config file not found. Accepted: a TOML file path or a shipped config "
        f"({', '.join(shipped_configs())}). Received: config={str(path)!r}"
    )


def load_config(path: str | pathlib.Path) -> SweepConfig:
    """Reads and validates a sweep config.

    Raises:
        ValueError: If the file is missing, is not TOML, or does not match the
            schema; the message names the first offending field.
    """
    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(
            f"Config is not valid TOML. Accepted: TOML. Received: {path} ({error})"
        ) from None
    return _validate(SweepConfig, data, path)


def _validate(schema, data: dict, source) -> Any:
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(
            f"Invalid config field {where!r}: {first['msg']}. Accepted: the "
            f"fields documented in arithnet.bench.config. Received: {source}"
        ) from None


def _seed_list(seeds: int | list[int]) -> tuple[int, ...]:
    values = tuple(range(seeds)) if isinstance(seeds, int) else tuple(seeds)
    if not values or min(values) < 0 or len(set(values)) != len(values):
        raise ValueError(
            "Bad seeds. Accepted: a count >= 1 or a list of distinct seeds >= 0. "
            f"Received: seeds={seeds!r}"
        )
    return values


def _range_pairs(experiment: Experiment, task: tasks.Task):
    if experiment.ranges == "default":
        return task.ranges[:1]
    if experiment.ranges == "all":
        return task.ranges
    return tuple(
        (tasks.Range.parse(i), tasks.Range.parse(e)) for i, e in experiment.ranges
    )


def _settings(experiment: Experiment, model_name: str, task, op) -> Settings:
    model = get_model(model_name, task)
    published = model.published_settings(task, op).model_dump()
    overrides = experiment.settings.get(model_name, {})
    return _validate(Settings, {**published, **overrides}, f"settings.{model_name}")


def _check_experiment(experiment: Experiment, task: tasks.Task) -> None:
    unknown = set(experiment.settings) - set(experiment.models)
    if unknown:
        raise ValueError(
            "Settings for a model the experiment does not run. Accepted: "
            f"{', '.join(experiment.models)}. Received: {', '.join(sorted(unknown))}"
        )
    for name in experiment.models:
        if name not in available_models(task):
            raise ValueError(
                f"Unknown model for the {task.name} task. Accepted: "
                f"{', '.join(available_models(task))}. Received: model={name!r}"
            )


def plan(config: SweepConfig) -> list[Job]:
    """Expands a config into jobs: one per spec and chunk of seeds.

    Success thresholds are simulated here, once per (task, op, range).

    Raises:
        ValueError: If an experiment names an unknown task, operation, model
            or range, or an iteration count that is not a multiple of
            `eval_every`.
    """
    jobs = []
    for experiment in config.experiment:
        task = tasks.get_task(experiment.task)
        _check_experiment(experiment, task)
        iterations = experiment.iterations or config.iterations or task.iterations
        if iterations % config.eval_every:
            raise ValueError(
                "Iterations must be a multiple of eval_every. Accepted: "
                f"multiples of {config.eval_every}. Received: iterations={iterations}"
            )
        seeds = _seed_list(
            config.seeds if experiment.seeds is None else experiment.seeds
        )
        for op in experiment.ops:
            for interpolation, extrapolation in _range_pairs(experiment, task):
                task.validate(op, interpolation, extrapolation)
                threshold = thresholds.success_threshold(task, op, extrapolation)
                for model_name in experiment.models:
                    spec = RunSpec(
                        task=task.name,
                        op=op,
                        model=model_name,
                        interpolation=str(interpolation),
                        extrapolation=str(extrapolation),
                        iterations=iterations,
                        batch_size=config.batch_size,
                        eval_every=config.eval_every,
                        settings=_settings(experiment, model_name, task, op),
                        threshold=threshold,
                    )
                    for start in range(0, len(seeds), config.seeds_per_job):
                        chunk = seeds[start : start + config.seeds_per_job]
                        jobs.append(Job(spec, chunk))
    return jobs
