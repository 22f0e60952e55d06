#!/usr/bin/env python3
"""Makes schema_v1.sqlite: a FirmwareDesk database as schema version 1 left it (the audit log
without the host column and indexes of version 2), with three entries. Kept in git so that the
migration test upgrades a real old file; run again only if that file is lost."""
import sqlite3, sys, os
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema_v1.sqlite")
if os.path.exists(path):
    os.remove(path)
db = sqlite3.connect(path)
db.executescript("""
CREATE TABLE fwd_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at_ms BIGINT NOT NULL);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms BIGINT NOT NULL, operator TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, details TEXT NOT NULL DEFAULT '');
INSERT INTO fwd_schema VALUES (1, 'schema table and audit log', 1764547200000);
INSERT INTO audit_log (at_ms, operator, action, object, details) VALUES
  (1764547200000, 'alice', 'acs.profile.saved', 'GenieACS lab', 'http://127.0.0.1:7557/'),
  (1764547260000, 'alice', 'file.uploaded', 'routeros-x86-6.48.4.npk', 'sha256 0f1e'),
  (1764547320000, 'bob', 'batch.created', 'wave 1', '6.48 -> 6.48.4');
""")
db.commit()
db.close()
print(path)
