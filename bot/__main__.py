"""`python -m bot` is the same as the `web21c-bridge` console script."""

from bot.cli.main import main

raise SystemExit(main())
