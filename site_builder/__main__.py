import sys

from site_builder.commands.cli import main

sys.exit(main())
