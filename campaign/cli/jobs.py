"""``flask --app app jobs run``: the job consumer (message delivery, reminders, the daily purge)."""
from __future__ import annotations

import logging

import click
from flask.cli import AppGroup

from ..jobs import jobs

jobs_cli = AppGroup("jobs", help="Background jobs: message delivery, reminders, the daily purge.")


@jobs_cli.command("run")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker threads (deliveries wait on the mail server, so threads suffice).")
def jobs_run(workers):
    """Run the job consumer: delivers messages, sends reminders, purges on schedule (stop with Ctrl-C)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    found = jobs()
    if found.huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is set: jobs run inline, there is nothing to consume")
    click.echo(f"Consuming {type(found.huey).__name__} queue {found.huey.name!r} with {workers} worker(s).")
    found.huey.create_consumer(workers=workers, periodic=True, check_worker_health=True).run()
