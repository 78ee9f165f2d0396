-- The auditor's list of every break the index knows (public facts only), newest change first.
CREATE INDEX breaks_updated ON breaks (updated_at DESC, break_id DESC);
