import sys

sys.dont_write_bytecode = True   # nothing written beside the code (run from the responder's drive)

from desktop.cli import main  # noqa: E402

sys.exit(main())
