import sys

from reuse.cli import main

sys.exit(main())
