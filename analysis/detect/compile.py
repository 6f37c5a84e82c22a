"""``python -m analysis.detect.compile``: parse the shipped rules once (setup / portable build) into
``resources/rules/compiled.jsonl`` and print what compiled and what did not."""
from __future__ import annotations

import sys
import time


def main() -> int:
    from analysis.detect import rules

    t = time.monotonic()
    n = rules.write_compiled()
    rs = rules.load(min_level="informational", hunting=True)
    print(f"{n} rule documents -> {rules.COMPILED.name}: {len(rs.rules)} rules and {len(rs.correlations)} "
          f"correlations compile, {len(rs.errors)} cannot ({time.monotonic() - t:.1f} s)")
    for e in rs.errors:
        print(f"  {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
