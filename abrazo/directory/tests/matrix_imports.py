"""The directory import pages for the permission matrix (tests/security/matrix.py).

Their one argument, <kind>, names no record: it is one of a fixed set of kinds of file (imports.DirectoryKind).
There is nothing inside or outside a scope to place, so instead the matrix opens each page once per known kind (the
answer POLICY gives the role for directory.import) and once with a kind that is not in the set (404 for every
signed-in role, however broad: an unknown kind is a page that does not exist). Which rows a person may write is
decided row by row by the import service against the person's scope and is tested in test_imports.py.
"""

from __future__ import annotations

from abrazo.directory.imports import DirectoryKind

KNOWN_KINDS: tuple[str, ...] = tuple(kind.value for kind in DirectoryKind)
# The nearest kind that is not one: children are imported too, but through the roster import (incidents), under
# another permission, so asking the directory import for them must not open anything.
UNKNOWN_KIND = "children"

# URL name -> (the argument, its known values, a value that is not one of them).
URL_CHOICES: dict[str, tuple[str, tuple[str, ...], str]] = dict.fromkeys(
    ("directory:import-upload", "directory:import-confirm", "directory:import-template"),
    ("kind", KNOWN_KINDS, UNKNOWN_KIND),
)
