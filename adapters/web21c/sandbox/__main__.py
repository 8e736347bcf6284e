"""`python -m adapters.web21c.sandbox --port 0`: the sandbox alone, without the bridge."""

import sys

from adapters.web21c.sandbox.command import main

sys.exit(main())
