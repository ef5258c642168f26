"""The `abrazo` console command: the project's manage.py under a friendlier name."""

import os
import sys

# Console spellings of commands whose module names cannot hold a hyphen.
ALIASES = {"import-redcap": "import_redcap"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abrazo.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    execute_from_command_line(["abrazo", *args])


if __name__ == "__main__":
    main()
