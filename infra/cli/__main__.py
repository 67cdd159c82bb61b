"""``python -m infra.cli``: the ``cocagne`` command."""

import sys

from infra.cli.main import main

sys.exit(main())
