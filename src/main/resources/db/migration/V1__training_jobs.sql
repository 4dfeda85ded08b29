-- Portable SQL: runs on H2 (embedded, the default) and PostgreSQL.
create table training_job (
    id                 varchar(36)      not null primary key,
    seq                bigint generated always as identity,
    architecture       varchar(64)      not null,
    model_name         varchar(128)     not null,
    state              varchar(16)      not null,
    parameters         varchar(4000)    not null,
    idempotency_key    varchar(200),
    created_at         timestamp with time zone not null,
    started_at         timestamp with time zone,
    finished_at        timestamp with time zone,
    epoch              integer          default 0 not null,
    step               bigint           default 0 not null,
    total_steps        bigint,
    images_per_second  double precision,
    eta_seconds        double precision,
    best_test_accuracy double precision,
    error              varchar(4000),
    attempts           integer          default 0 not null,
    constraint training_job_idempotency unique (idempotency_key)
);

create index training_job_state_created on training_job (state, created_at, seq);

create table epoch_metric (
    job_id            varchar(36)      not null references training_job (id) on delete cascade,
    epoch             integer          not null,
    step              bigint           not null,
    train_loss        double precision not null,
    train_accuracy    double precision,
    test_loss         double precision not null,
    test_accuracy     double precision not null,
    images_per_second double precision not null,
    seconds           double precision not null,
    data_wait_share   double precision not null,
    learning_rate     double precision not null,
    primary key (job_id, epoch)
);

create table checkpoint (
    job_id        varchar(36)      not null references training_job (id) on delete cascade,
    step          bigint           not null,
    epoch         integer          not null,
    test_accuracy double precision,
    size_bytes    bigint           not null,
    sha256        char(64)         not null,
    file_name     varchar(255)     not null,
    created_at    timestamp with time zone not null,
    primary key (job_id, step)
);
