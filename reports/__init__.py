"""Reports and the evidence bundle. No Qt here; the GUI and the CLI call these functions.

- `reports.incident`: the incident record (every field of Mẫu 03 / Mẫu 04 + NIST SP 800-61 basics),
  `load_incident_file(path) -> dict` (errors name the line and field), `validate_incident`,
  `missing_fields(record, "m03"|"m04")`, `FIELDS` (path, Vietnamese label, English label, type, choices).
- `reports.regimes`: legal regimes from resources/regimes/*.yaml; `deadline_status(case_or_incident, now=None)`
  -> [{id, name, label_vi, label_en, due (aware datetime), state: on_time|due_soon|overdue|done, ...}],
  `format_status(entry, lang)` for one line of `ungcuu status` or the GUI banner; `applicable_regimes` and
  `deadlines_all(case_or_incident, now=None, include_pending=False, report=None)`: every regime that applies.
- `reports.prefill`: values of Mẫu 03 (C, H) found in evidence, each with its evidence ids.
- `reports.kinds`: `KINDS` (name -> (title_vi, title_en)), `build_doc(case, kind)`; `reports.render`:
  `render_report(case, kind, fmt="pdf"|"docx"|"eml", out=None, lang="vi")` (logs the export in custody).
- `reports.bundle`: `build_bundle(case, out, passphrase=None, signing_key=None) -> sha256`,
  `verify_bundle(path, public_key=None, passphrase=None) -> VerifyResult(.ok, .problems, .summary())`,
  `extract_bundle`, `generate_keypair`, `bundle_exports(case)` (each exported bundle's SHA-256 and signing key
  fingerprint, for Mẫu 04's attachments and the covering e-mail). `reports.report_cache`: rendered reports
  reused while the case is unchanged.
"""
