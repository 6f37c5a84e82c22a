"""One small module per artifact: each defines a Collector subclass (see collectors/base.py)."""
