"""The thin shell: the Qt app and the headless command line (`ungcuu ...`).

Importing it turns off Python's bytecode cache: run from a drive plugged into the examined machine,
UngCuu must not write `__pycache__` folders next to its code (this package's own first one excepted,
written before any code of ours runs; the portable build carries no sources at all).
"""
import sys

sys.dont_write_bytecode = True
