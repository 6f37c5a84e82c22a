"""A fuzz target per parser, run for a bounded number of seeded examples: mutations of the
shared samples must never make a parser raise (which would cost the rest of that evidence item its
timeline). bench/fuzz_parsers.py runs the same targets longer and prints examples, crashes and peak RSS."""
from __future__ import annotations

import pytest

from bench.fuzz_parsers import TARGETS, run_target

EXAMPLES = {"evtx": 60, "syslog": 250, "apt_history": 150, "dpkg": 150}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzzed_input_never_crashes_the_parser(name, shared_data, tmp_path):
    res = run_target(TARGETS[name], EXAMPLES.get(name, 200), seed=13, save=tmp_path)
    assert res.examples == EXAMPLES.get(name, 200)
    assert res.crashes == [], "\n".join(res.crashes[:10]) + f"\n(inputs saved in {tmp_path})"
    assert res.events > 0  # the seeds themselves parse: the target really drives the parser


def test_mutation_is_seeded():
    import random

    from bench.fuzz_parsers import mutate

    a = mutate(b"Nov 24 10:00:00 host sshd[1]: x\n" * 5, random.Random("s:1"), False)
    b = mutate(b"Nov 24 10:00:00 host sshd[1]: x\n" * 5, random.Random("s:1"), False)
    assert a == b
