"""Roster imports: a unit's registration spreadsheet into a registration body, exactly, fast
and safely (issue "Roster import and export").

One path for the web, the API and `zhiyuan import_roster`: `upload.upload_roster` stores the
file (encrypted, with its SHA-256) and queues the check (`tasks`); `check.check_roster` is the
dry run (a report per row and column, no writes to the ledger); `write.import_roster` checks
again and then writes, all rows or none (default) or the valid rows only, through bulk inserts
and bulk audit entries. Imported people start as applied and confirm like anyone else
(services.send_confirmation_requests).

The modules, from the bytes up: `reader` (bytes → a roster's rows of cells), `cells` (a row's
cells → raw person data), `helper` (the forked process that checks a large roster's second
half), `rows` (every row against the rules, the file and the ledger), `check` and `write`
(the dry run and the import, recorded on the `RosterImport`), `tasks`, `upload`; beside them
`access` (who may import and download), `files` (the stored file, the downloads) and
`workbooks` (the template and the error report).

Speed (docs/benchmarks.md): rows are inserted without model instances
(`common.bulk.TableWriter`), audit entries by one INSERT … SELECT, and a large roster is
checked on two cores (`helper`).
"""
