DROP TABLE record_erasures;
DROP TABLE record_appeals;
DROP TABLE record_tickets;
DROP TABLE record_audit;
DROP TABLE record_decisions;
DROP TABLE record_posts;
