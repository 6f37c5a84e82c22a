"""Collection: the case folder, the hashed evidence store, the custody log and the checklist collectors."""
__version__ = "0.1.0"
