"""Command-line subcommands, one module each.

Each module defines NAME, HELP, add_arguments(parser) and run(args) -> exit code. desktop/cli.py finds
them all; a module that fails to import is reported, not fatal, so one broken command never takes the
others down on an affected machine.
"""
