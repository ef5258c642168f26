#!/usr/bin/env python
"""Django's manage.py; `abrazo` is the same command once installed."""

from abrazo.__main__ import main

if __name__ == "__main__":
    main()
