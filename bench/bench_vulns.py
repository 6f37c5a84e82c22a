"""Vulnerability matching rate (H3): --packages installed dpkg packages against a generated OSV feed of
--advisories advisories (a zip dump, as OSV publishes them, plus a Debian-tracker JSON of a tenth of
them). As on a Debian system, most binaries come from a source package of another name (``Source:``, about
three binaries per source, some with a binNMU source version): the feeds are keyed by source. Prints the feed
load time, the match time and the total (goal: 5,000 x 100,000 under 10 s).
Usage:
    .venv/bin/python bench/bench_vulns.py [--packages 5000] [--advisories 100000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.dont_write_bytecode = True

from analysis import vulns  # noqa: E402


def version(rng: random.Random) -> str:
    epoch = f"{rng.randint(1, 3)}:" if rng.random() < 0.1 else ""
    up = ".".join(str(rng.randint(0, 20)) for _ in range(rng.randint(2, 4)))
    if rng.random() < 0.1:
        up += f"~rc{rng.randint(1, 5)}"
    rev = f"-{rng.randint(1, 9)}" + (f"+deb12u{rng.randint(1, 5)}" if rng.random() < 0.3 else "")
    return epoch + up + rev


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packages", type=int, default=5000)
    ap.add_argument("--advisories", type=int, default=100_000)
    ap.add_argument("--msrc-cves", type=int, default=12_000,
                    help="CVEs of a generated MSRC CVRF document (about ten years of monthly documents)")
    a = ap.parse_args()
    rng = random.Random(18)
    names = [f"pkg{i:05d}" for i in range(a.packages)]
    installed = []
    sources = set()
    for i, n in enumerate(names):
        p = {"name": n, "version": version(rng), "manager": "dpkg", "arch": "amd64", "installed": True}
        if rng.random() < 0.7:  # built from a source package of another name
            p["source"] = f"src{i // 3:05d}"
            p["source_version"] = p["version"].removesuffix("+b1") if rng.random() < 0.9 else version(rng)
            sources.add(p["source"])
        else:
            sources.add(n)
        installed.append(p)
    # advisories name source packages; some for packages not installed too
    universe = sorted(sources) + [f"other{i:06d}" for i in range(a.packages * 4)]
    with tempfile.TemporaryDirectory() as tmp:
        osv_zip = Path(tmp) / "all.zip"
        n_tracker = a.advisories // 10
        t0 = time.perf_counter()
        with zipfile.ZipFile(osv_zip, "w", zipfile.ZIP_DEFLATED) as z:
            for i in range(a.advisories - n_tracker):
                name = rng.choice(universe)
                adv = {"id": f"DSA-{i:06d}-1", "modified": "2026-11-30T00:00:00Z", "aliases": [f"CVE-2026-{i:06d}"],
                       "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
                                     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                                                                                 {"fixed": version(rng)}]}]}]}
                z.writestr(f"DSA-{i:06d}-1.json", json.dumps(adv))
        tracker: dict = {}
        for i in range(n_tracker):
            tracker.setdefault(rng.choice(universe), {})[f"CVE-2025-{i:06d}"] = {
                "releases": {"bookworm": {"status": "resolved", "fixed_version": version(rng), "urgency": "medium"}}}
        tracker_path = Path(tmp) / "tracker.json"
        tracker_path.write_text(json.dumps(tracker))
        t_gen = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        feed = vulns.load_feed([osv_zip, tracker_path])
        t_load, c_load = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        found = vulns.match(installed, feed, {"VERSION_ID": "12", "VERSION_CODENAME": "bookworm"})
        t_match, c_match = time.perf_counter() - t0, time.process_time() - c0
    print(f"generated {a.advisories} advisories in {t_gen:.1f} s (not counted)")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs "
          "(wall times grow with it; CPU times less)")
    print(f"feed load: {t_load:.2f} s wall, {c_load:.2f} s CPU ({feed.advisories} advisories, {len(feed.index)} packages indexed)")
    print(f"match: {t_match:.2f} s wall, {c_match:.2f} s CPU ({a.packages} installed packages, {len(found)} vulnerable, "
          f"{sum(len(v['advisories']) for v in found)} advisories apply)")
    total, cpu = t_load + t_match, c_load + c_match
    print(f"total: {total:.2f} s wall, {cpu:.2f} s CPU (goal < 10 s: {'met' if total < 10 else 'NOT met'} on the wall clock)")
    msrc(a.msrc_cves, rng)
    return 0


def msrc(n: int, rng: random.Random) -> None:
    """A CVRF document of n CVEs over 40 products, each fixed by one of 600 KBs (some superseding others);
    a Windows Server 2019 host with 200 of the KBs in effect."""
    products = [{"ProductID": str(10000 + i), "Value": f"Product {i}"} for i in range(39)]
    products.append({"ProductID": "11571", "Value": "Windows Server 2019"})
    ids = [p["ProductID"] for p in products]
    kbs = [str(5000000 + i) for i in range(600)]
    vulns_ = []
    for i in range(n):
        pids = rng.sample(ids, 8)
        kb = rng.choice(kbs)
        vulns_.append({"CVE": f"CVE-2020-{i:05d}", "Title": {"Value": f"vulnerability {i}"},
                       "Threats": [{"Type": 3, "Description": {"Value": rng.choice(["Critical", "Important"])},
                                    "ProductID": pids}],
                       "Remediations": [{"Type": 2, "Description": {"Value": kb}, "ProductID": pids,
                                         "FixedBuild": f"10.0.17763.{rng.randint(1, 6000)}",
                                         **({"Supercedence": rng.choice(kbs)} if rng.random() < 0.05 else {})}]})
    doc = {"DocumentTracking": {"CurrentReleaseDate": "2026-11-11T08:00:00"},
           "ProductTree": {"FullProductName": products}, "Vulnerability": vulns_}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "msrc.json"
        path.write_text(json.dumps(doc))
        t0, c0 = time.perf_counter(), time.process_time()
        feed = vulns.load_feed([path])
        t_load, c_load = time.perf_counter() - t0, time.process_time() - c0
    win = {"os": {"product_name": "Windows Server 2019 Standard", "build": "17763", "ubr": 3000, "arch": "AMD64"},
           "kbs_in_effect": [f"KB{k}" for k in rng.sample(kbs, 200)]}
    t0, c0 = time.perf_counter(), time.process_time()
    res = vulns.match_msrc(win, feed)
    t_match, c_match = time.perf_counter() - t0, time.process_time() - c0
    print(f"MSRC CVRF: {n} CVEs loaded in {t_load:.2f} s wall ({c_load:.2f} s CPU); matched in {t_match:.2f} s wall "
          f"({c_match:.2f} s CPU): {res['applicable']} apply to the host, {res['fixed']} fixed, "
          f"{len(res['vulnerable'])} open")


if __name__ == "__main__":
    raise SystemExit(main())
