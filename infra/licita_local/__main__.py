"""``python -m licita_local`` = ``licita-local``."""

import sys

from licita_local.cli import main

sys.exit(main())
