DROP INDEX record_decisions_forum;
DROP INDEX record_decisions_moderator;
