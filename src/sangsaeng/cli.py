"""The ``sangsaeng`` command: Django's management commands under one name.

``sangsaeng demo``, ``sangsaeng serve``, ``sangsaeng import companies FILE`` ... are management
commands in the apps; ``sangsaeng migrate`` and the rest of Django's own work as well.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sangsaeng.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["sangsaeng", *argv])
    if len(args) == 1:
        args.append("help")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
