"""Parsers: each a generator of `analysis.events.Event` that counts what it could not read in a
`ParseReport` (a corrupt or truncated input keeps every good record).

syslog (RFC 3164/5424, rsyslog ISO, auth/cron/kernel), journal (journalctl -o export), packages (dpkg.log,
apt history.log, yum/dnf), utmp (utmp/wtmp/btmp 32/64-bit, lastlog), shell_history (bash/zsh/fish),
access_log (Apache/nginx), evtx (Windows, Rust-backed `evtx`), bodyfile (Sleuth Kit).
"""
