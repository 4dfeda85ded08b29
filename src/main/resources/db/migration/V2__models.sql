create table model_version (
    name            varchar(128)     not null,
    version         integer          not null,
    architecture    varchar(64)      not null,
    source          varchar(16)      not null,
    job_id          varchar(36),
    checkpoint_step bigint,
    test_accuracy   double precision,
    parameters      bigint           not null,
    labels          varchar(4000)    not null,
    file_name       varchar(255)     not null,
    size_bytes      bigint           not null,
    sha256          char(64)         not null,
    created_at      timestamp with time zone not null,
    primary key (name, version),
    constraint model_version_job unique (job_id)
);

create table model_alias (
    name    varchar(128) not null,
    alias   varchar(64)  not null,
    version integer      not null,
    primary key (name, alias),
    foreign key (name, version) references model_version (name, version)
);
