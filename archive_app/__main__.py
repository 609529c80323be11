"""Run the command-line front end with `python -m archive_app`."""

import sys

from archive_app.cli import main

sys.exit(main())
