"""The command line: every ``flask --app app …`` group, one module per capability."""
from __future__ import annotations


def init_app(app):
    """Register every command group."""
    from . import audit, cards, jobs, library, pamphlets, thread, thumbnails, users

    for command in (library.library_cli, library.sources_cli, library.quotes_cli, users.users_cli,
                    users.privacy_cli, cards.cards_cli, pamphlets.pamphlets_cli, jobs.jobs_cli, audit.audit_command,
                    thumbnails.thumbnails_cli, thread.thread_command):
        app.cli.add_command(command)
