-- Search by the beginning of a break id (`break_id LIKE 'brk-00%'`) from an index on any server: a database
-- whose collation is not C (Debian's PostgreSQL defaults to the locale's) uses a plain text index only for
-- equality and ranges, never for LIKE; text_pattern_ops compares bytes, so a left-anchored pattern can use it.
CREATE INDEX open_breaks_break_id_prefix ON open_breaks (break_id text_pattern_ops);
