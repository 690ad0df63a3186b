"""`python -m harness.load`: the load process (see `harness.load.run`)."""

from __future__ import annotations

import sys

from harness.load.run import main

sys.exit(main())
