-- A search by moderator (`--moderator`) reads the human decisions only: without this index it
-- walked every decision by time when the words were rare (209 ms at 200k decisions).
CREATE INDEX record_decisions_moderator ON record_decisions (decided_by, decided_at) WHERE decided_by IS NOT NULL;
CREATE INDEX record_decisions_forum ON record_decisions (forum_id, decided_at);
