-- Portable SQL: runs on H2 (MODE=PostgreSQL) and PostgreSQL.
-- The job's settings are one document owned by training (its TrainingPlan as JSON). Rows of earlier versions keep
-- their flat hyper-parameters in it; training reads that shape too (TrainingPlans.fromJson).
alter table training_job rename column parameters to plan;

-- An Idempotency-Key belongs to the caller that sent it and to the request it came with. Rows of earlier versions
-- have no caller (and no digest): their keys match no new request.
alter table training_job add column caller varchar(200);
alter table training_job add column request_sha256 char(64);
alter table training_job drop constraint training_job_idempotency;
alter table training_job add constraint training_job_idempotency unique (caller, idempotency_key);
