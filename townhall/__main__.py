"""The `townhall` command: Django's manage.py with Townhall's settings.

Every Django management command works through it (`townhall migrate`,
`townhall shell -c ...`), next to Townhall's own (`townhall ingest`, `townhall demo`).
"""

import os
import sys


def main() -> None:
    """Run a management command named on the command line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
