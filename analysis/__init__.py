"""Analysis (phase 2 of the procedure: C1-C6, H2, H3). Reads the evidence in a case folder, never the
live system, so the same analysis runs on a collection made elsewhere.

- `analysis.events`: the event model (`Event`, `ParseReport`) and time helpers.
- `analysis.parsers`: one module per format (syslog/auth/cron/kernel, journal export, dpkg/apt/yum/dnf,
  utmp/wtmp/btmp/lastlog, shell histories, web access logs, EVTX, TSK bodyfile).
- `analysis.sources`: which parser reads which evidence item, with the host's zone and name.
- `analysis.timeline`: the case timeline in ``CASE/timeline.sqlite`` (build, queries, histogram, marks).
- `analysis.export`: jsonl / csv (Timesketch), bodyfile, mactime.
- `analysis.findings` (C3, C4, C5, C6, H2), `analysis.ioc` (indicators, YARA), `analysis.diff` (H3).

Imports `collectors` only (never Qt, never reports/desktop).
"""
