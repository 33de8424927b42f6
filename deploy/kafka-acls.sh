#!/usr/bin/env bash
# Kafka ACLs per component principal (deploy/k8s: each Deployment logs in as arbiter-<component>).
#
#   BOOTSTRAP=kafka-bootstrap.kafka.svc:9093 ADMIN_CONFIG=admin.properties bash deploy/kafka-acls.sh
#   DRY_RUN=1 bash deploy/kafka-acls.sh        # print the kafka-acls.sh commands only
#
# What ACLs can enforce: they are per topic (and group, transactional id), never per record. So they
# say who may write moderation.decisions at all (primary, escalation, console: all three decide) and
# who may read moderation.appeals (the escalation role alone), but not which `stage` a decision
# carries: the stage is a field inside the record. Within a topic the code enforces the stages:
#   - stage `human` is written only by the console's publisher (shared/console/console-publisher.ts,
#     from a moderator's action); the pipeline's decide step never makes one;
#   - stage `appeal` is written only by the appeal processor, which only the escalation role runs,
#     and only the escalation principal may read moderation.appeals (its consumer group too).
# A principal that can write moderation.decisions could still forge a `human` decision; the
# auto-hide sink trusts the stage. To make that an ACL matter, human decisions would need a topic of
# their own that only arbiter-console may write (not done: the readers take one decisions topic).
set -euo pipefail

BOOTSTRAP="${BOOTSTRAP:-kafka-bootstrap.kafka.svc:9093}"
ADMIN_CONFIG="${ADMIN_CONFIG:-}"
KAFKA_ACLS="${KAFKA_ACLS:-kafka-acls.sh}"
T="${TOPIC_PREFIX:-moderation.}"
GROUP_CLASSIFIER="${GROUP_CLASSIFIER:-arbiter-classifier}"
TX_PREFIX="${TX_PREFIX:-arbiter}"

acl() {
  local cmd=("$KAFKA_ACLS" --bootstrap-server "$BOOTSTRAP")
  [[ -n "$ADMIN_CONFIG" ]] && cmd+=(--command-config "$ADMIN_CONFIG")
  cmd+=(--add "$@")
  if [[ -n "${DRY_RUN:-}" ]]; then echo "${cmd[*]}"; else "${cmd[@]}"; fi
}
# principal, operation, topic
topic() { acl --allow-principal "User:$1" --operation "$2" --topic "$T$3"; }
group() { acl --allow-principal "User:$1" --operation Read --group "$2"; }
# Exactly-once (kafka.exactlyOnce): transactional ids under the prefix, and idempotent writes.
transactions() {
  acl --allow-principal "User:$1" --operation Write --operation Describe --transactional-id "$TX_PREFIX" --resource-pattern-type prefixed
  acl --allow-principal "User:$1" --operation IdempotentWrite --cluster
}

# primary: posts → decisions (stages prefilter, primary), escalations, audit, dead letters.
topic arbiter-primary Read posts
group arbiter-primary "$GROUP_CLASSIFIER"
for t in decisions escalations audit dlq; do topic arbiter-primary Write "$t"; done
transactions arbiter-primary

# escalation: escalations and appeals → decisions (stages escalation, appeal), tickets, audit, dead letters.
# The only principal that reads moderation.appeals, so the only one that acts on an appeal.
for t in escalations appeals; do topic arbiter-escalation Read "$t"; done
group arbiter-escalation "$GROUP_CLASSIFIER.escalation"
group arbiter-escalation "$GROUP_CLASSIFIER.appeal"
for t in decisions tickets audit dlq; do topic arbiter-escalation Write "$t"; done
transactions arbiter-escalation

# console: reads tickets and audit; writes decisions (stage human only, by code) and appeals.
# The only principal that writes moderation.appeals.
for t in tickets audit; do topic arbiter-console Read "$t"; done
group arbiter-console arbiter-console
for t in decisions appeals; do topic arbiter-console Write "$t"; done

# auto-hide sink: reads decisions, writes dead letters only.
topic arbiter-auto-hide Read decisions
group arbiter-auto-hide arbiter-auto-hide
topic arbiter-auto-hide Write dlq

# ticket sink: reads tickets, writes dead letters only.
topic arbiter-tickets Read tickets
group arbiter-tickets arbiter-tickets
topic arbiter-tickets Write dlq

# record worker: decisions, audit, tickets and appeals → the store of record; one consumer group per
# topic (record.groupId, default arbiter-record, + ".<topic>"); writes dead letters only (a record
# PostgreSQL refuses for its data). It reads appeals but decides nothing: only the escalation role
# acts on one. `arbiter record erase` writes tombstones to decisions: an operator's action, run with
# an operator's principal (one that may write decisions), not this one.
GROUP_RECORD="${GROUP_RECORD:-arbiter-record}"
for t in decisions audit tickets appeals; do
  topic arbiter-record Read "$t"
  group arbiter-record "$GROUP_RECORD.$t"
done
topic arbiter-record Write dlq

# nightly sweep (deploy/k8s/cronjob-sweep.yaml, `arbiter sweep`): reads the window's posts and decisions
# through throwaway consumer groups `arbiter-range-<random>` (shared/replay/topic-range-reader.ts: it sets
# their offsets, then deletes them), writes tickets tagged `sweep` with an idempotent producer. Its own
# principal: the escalation role's may not read posts or decisions, and needs no grant of this job's.
for t in posts decisions; do topic arbiter-sweep Read "$t"; done
acl --allow-principal "User:arbiter-sweep" --operation Read --operation Delete --group arbiter-range- --resource-pattern-type prefixed
topic arbiter-sweep Write tickets
acl --allow-principal "User:arbiter-sweep" --operation IdempotentWrite --cluster

# ingest gateway: forum webhooks and pollers → posts, deletions → ingest-events; an idempotent producer
# (no transactions). It reads no topic.
for t in posts ingest-events; do topic arbiter-ingest Write "$t"; done
acl --allow-principal "User:arbiter-ingest" --operation IdempotentWrite --cluster
