"""The encrypted SQLite store: operators and keys, applicants, applications as event logs, audit chain."""
