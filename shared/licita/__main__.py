"""``python -m licita``: same as the ``licita`` console script."""

from licita.cli import main

raise SystemExit(main())
