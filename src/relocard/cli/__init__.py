"""The ``relocard`` command: a thin layer over the same library and services as the web app.

Sub-commands are loaded lazily, so that ``relocard rules ...`` or ``relocard credential ...``
never import Django and start fast. Each group lives in its own module of this package and
exposes a ``click`` command or group named ``cli`` (or the attribute named after a colon).
"""

from __future__ import annotations

import importlib

import click

from relocard import __version__

#: name -> module of ``relocard.cli`` that defines ``cli``; keep in sync with the README.
COMMANDS: dict[str, str] = {
    "rules": "rules",
    "residence": "residence",
    "credential": "credential",
    "compliance": "compliance",
    "screening": "screening",
    "identity": "identity",
    "demo": "platform:demo",
    "serve": "platform:serve",
    "migrate": "platform:migrate",
    "createadmin": "platform:createadmin",
    "worker": "platform:worker",
    "audit": "platform:audit",
    "evidence": "evidence",
    "letters": "letters",
    "waitlist": "waitlist",
    "consular": "consular",
    "backup": "ops:backup",
    "restore": "ops:restore",
    "loadtest": "loadtest",
}


class LazyGroup(click.Group):
    """A click group that imports a sub-command's module only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module_name, _, attr = module_name.partition(":")
        module = importlib.import_module(f"relocard.cli.{module_name}")
        return getattr(module, attr or "cli")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="relocard")
def main() -> None:
    """Relocard: run the EU relocatee-card programme."""
