"""Background work: one queue helper and one scheduler.

- `enqueue(func, ...)` runs a function on the RQ queue when REDIS_URL is set, inline otherwise.
- `register_job(name, func, every=...)` declares a recurring job; `schedule_at(...)` a one-off
  task at a time. `run_due()` (behind `flask jobs run-due`, cron or the `make run` thread) runs
  what is due. A job runs at most once per period: the (name, period) row is claimed before it
  runs, under a unique constraint, so concurrent or repeated calls do nothing twice.
"""
from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.core.models import JobRun, ScheduledTask
from app.core.registry import Catalogue
from app.extensions import db

log = logging.getLogger(__name__)


# --- The queue -------------------------------------------------------------------------------

def _dotted(func: Callable) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def _resolve(dotted: str) -> Callable:
    module, _, name = dotted.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def run_in_app(dotted: str, args: tuple, kwargs: dict) -> Any:
    """What the RQ worker runs: the function inside an app context, with a fresh session."""
    if has_app_context():
        try:
            return _resolve(dotted)(*args, **kwargs)
        finally:
            db.session.remove()
    from app import create_app

    with create_app().app_context():
        return _resolve(dotted)(*args, **kwargs)


def queue():
    from redis import Redis
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=Redis.from_url(current_app.config["REDIS_URL"]))


def enqueue(func: Callable, *args: Any, **kwargs: Any) -> None:
    if current_app.config.get("REDIS_URL"):
        queue().enqueue(run_in_app, _dotted(func), args, kwargs)
    else:
        func(*args, **kwargs)


# --- The scheduler ---------------------------------------------------------------------------

@dataclass
class ScheduledJob:
    name: str
    func: Callable[[], Any]
    every: str  # "hourly", "daily" or "weekly"
    hour: int = 0  # daily and weekly jobs run from this hour (UTC)
    weekday: int = 0  # weekly jobs: 0 = Monday

    def period(self, now: datetime) -> str:
        """The start of the latest period that has begun: the key that makes runs idempotent."""
        if self.every == "hourly":
            start = now.replace(minute=0, second=0, microsecond=0)
        elif self.every == "daily":
            start = now.replace(hour=self.hour, minute=0, second=0, microsecond=0)
            if start > now:
                start -= timedelta(days=1)
        elif self.every == "weekly":
            start = now.replace(hour=self.hour, minute=0, second=0, microsecond=0)
            start -= timedelta(days=(start.weekday() - self.weekday) % 7)
            if start > now:
                start -= timedelta(days=7)
        else:
            raise ValueError(f"unknown schedule {self.every!r}")
        return start.strftime("%Y-%m-%dT%H:%M")


scheduled_jobs = Catalogue("scheduled job")
task_handlers = Catalogue("task handler")


def register_job(name: str, func: Callable[[], Any], every: str = "daily", hour: int = 0, weekday: int = 0) -> None:
    ScheduledJob(name, func, every, hour, weekday).period(datetime.now(timezone.utc))  # a bad schedule fails now
    existing = scheduled_jobs.get(name)
    if existing is not None and existing.func is not func:
        raise ValueError(f"scheduled job {name!r} is already registered")
    scheduled_jobs[name] = ScheduledJob(name, func, every, hour, weekday)


def register_task_handler(name: str, func: Callable[..., Any]) -> None:
    """A handler for one-off tasks: `schedule_at(name, key, when, params)` calls func(**params)."""
    task_handlers.add(name, func)


def schedule_at(job: str, key: str, run_at: datetime, params: dict | None = None) -> ScheduledTask:
    """Schedule (or move) the one task with this key; a task already done is left alone.

    `run_at` must carry a time zone; it is stored in UTC (SQLite would drop the offset)."""
    if run_at.tzinfo is None:
        raise ValueError("run_at must be timezone-aware")
    run_at = run_at.astimezone(timezone.utc)
    task = db.session.scalar(select(ScheduledTask).where(ScheduledTask.job == job, ScheduledTask.key == key))
    if task is None:
        task = ScheduledTask(job=job, key=key, run_at=run_at, params=params or {})
        db.session.add(task)
    elif task.done_at is None:
        task.run_at, task.params = run_at, params or {}
    return task


STALE_CLAIM = timedelta(hours=1)
RETRY_TASK_AFTER = timedelta(minutes=10)


def _claim_period(name: str, period: str, now: datetime) -> JobRun | None:
    # A run that started long ago and never finished died with its process: take it over.
    stale = db.session.scalar(select(JobRun).where(JobRun.name == name, JobRun.period == period,
                                                   JobRun.finished_at.is_(None)))
    if stale is not None:
        started = stale.started_at if stale.started_at.tzinfo else stale.started_at.replace(tzinfo=timezone.utc)
        if now - started < STALE_CLAIM:
            return None
        db.session.delete(stale)
        db.session.commit()
    run = JobRun(name=name, period=period, started_at=now)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def run_due(now: datetime | None = None) -> list[str]:
    """Run every recurring job whose current period has not run, and every due one-off task."""
    now = now or datetime.now(timezone.utc)
    ran: list[str] = []
    for job in list(scheduled_jobs.values()):
        period = job.period(now)
        if db.session.scalar(select(JobRun.id).where(JobRun.name == job.name, JobRun.period == period,
                                                     JobRun.finished_at.isnot(None))):
            continue
        run = _claim_period(job.name, period, now)
        if run is None:
            continue
        try:
            outcome = job.func()
        except Exception as error:  # one failing job must not stop the others
            db.session.rollback()
            log.exception("scheduled job %s failed", job.name)
            db.session.delete(db.session.merge(run))  # let the next call try again
            db.session.commit()
            ran.append(f"{job.name} FAILED: {error}")
            continue
        run = db.session.merge(run)
        run.finished_at = datetime.now(timezone.utc)
        run.outcome = None if outcome is None else str(outcome)[:1000]
        db.session.commit()
        ran.append(job.name)
    due = db.session.scalars(select(ScheduledTask).where(ScheduledTask.done_at.is_(None), ScheduledTask.run_at <= now)
                             .order_by(ScheduledTask.run_at)).all()
    for task in due:
        claimed = db.session.execute(update(ScheduledTask).where(ScheduledTask.id == task.id,
                                                                 ScheduledTask.done_at.is_(None))
                                     .values(done_at=now)).rowcount
        db.session.commit()
        if claimed != 1:
            continue
        handler = task_handlers.get(task.job)
        try:
            outcome = handler(**task.params) if handler else "no handler registered"
        except Exception as error:
            db.session.rollback()
            log.exception("task %s %s failed", task.job, task.key)
            # Not done after all: try again a little later, and say why it failed.
            db.session.execute(update(ScheduledTask).where(ScheduledTask.id == task.id).values(
                done_at=None, run_at=now + RETRY_TASK_AFTER, outcome=f"failed, will retry: {error}"[:1000]))
            db.session.commit()
            ran.append(f"{task.job}:{task.key} FAILED: {error}")
            continue
        db.session.execute(update(ScheduledTask).where(ScheduledTask.id == task.id)
                           .values(outcome=None if outcome is None else str(outcome)[:1000]))
        db.session.commit()
        ran.append(f"{task.job}:{task.key}")
    return ran


def start_background_thread(app: Flask, interval_seconds: int = 60) -> threading.Thread:
    """For `make run`: run due jobs every minute without cron."""

    def loop() -> None:
        stop = threading.Event()
        while not stop.wait(interval_seconds):
            try:
                with app.app_context():
                    run_due()
            except Exception:
                log.exception("background job run failed")

    thread = threading.Thread(target=loop, name="jobs", daemon=True)
    thread.start()
    return thread
