/// The store's schema, one migration per version, written once for SQLite and
/// PostgreSQL: where their column types differ, `SQLDialect` says so. A store written
/// by an older mimic is brought up to date when it is opened; one written by a newer
/// mimic (a migration this one does not know) is refused rather than misread.
///
/// Never edit a migration that has shipped: add one. Each migration is a list of
/// single statements, as PostgreSQL takes them one at a time.
enum StoreSchema {
    static let v1 = "v1-runs-models-metrics"
    static let v2 = "v2-liveness"
    static let v3 = "v3-control"
    static let v4 = "v4-run-folders"
    static let v5 = "v5-sweeps"
    static let v6 = "v6-sweep-queue"
    static let v7 = "v7-slurm-jobs"
    static let v8 = "v8-queue-attempts"
    static let v9 = "v9-failed-agents"
    static var allIdentifiers: [String] { migrations.map(\.identifier) }

    struct Migration: Sendable {
        let identifier: String
        let statements: @Sendable (SQLDialect) -> [String]
    }

    static let migrations: [Migration] = [
        Migration(identifier: v1) { d in [
            """
            CREATE TABLE runs (
                id \(d.serialKey),
                started_at \(d.timestamp) NOT NULL,
                ended_at \(d.timestamp),
                status TEXT NOT NULL,
                config TEXT NOT NULL,
                data_set TEXT NOT NULL,
                seed \(d.integer) NOT NULL,
                program_version TEXT NOT NULL,
                labeled_count \(d.integer),
                validation_count \(d.integer),
                unlabeled_count \(d.integer),
                test_count \(d.integer),
                wall_seconds \(d.real),
                message TEXT
            )
            """,
            "CREATE INDEX runs_by_status ON runs(status)",
            """
            CREATE TABLE models (
                id \(d.serialKey),
                run_id \(d.integer) NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                position \(d.integer) NOT NULL,
                spec TEXT NOT NULL,
                parameters \(d.integer) NOT NULL,
                forward_flops \(d.integer) NOT NULL,
                epochs \(d.integer) NOT NULL,
                status TEXT NOT NULL,
                epochs_completed \(d.integer) NOT NULL DEFAULT 0,
                training_seconds \(d.real) NOT NULL DEFAULT 0,
                test_accuracy \(d.real),
                test_loss \(d.real),
                agreement \(d.real),
                parity_seconds \(d.real),
                checkpoint TEXT,
                message TEXT,
                UNIQUE (run_id, role, position)
            )
            """,
            """
            CREATE TABLE metrics (
                \(d.metricsKeyColumn)
                model_id \(d.integer) NOT NULL REFERENCES models(id) ON DELETE CASCADE,
                step \(d.integer) NOT NULL,
                epoch \(d.integer) NOT NULL,
                samples_seen \(d.integer) NOT NULL,
                training_seconds \(d.real) NOT NULL,
                wall_seconds \(d.real) NOT NULL,
                name TEXT NOT NULL,
                value \(d.real) NOT NULL
            )
            """,
            "CREATE INDEX metrics_by_model ON metrics(model_id, step)",
        ] },

        // Which process trains a run and when it last wrote, so that a run whose
        // process died shows as interrupted rather than running forever.
        Migration(identifier: v2) { d in [
            "ALTER TABLE runs ADD COLUMN pid \(d.integer)",
            "ALTER TABLE runs ADD COLUMN host TEXT",
            "ALTER TABLE runs ADD COLUMN heartbeat_at \(d.timestamp)",
        ] },

        // Another process (`mimic watch`) asks the trainer to pause, resume or stop by
        // adding a request; the trainer takes it within a second and records whether it
        // is paused, so every watcher shows the same state. The input shape and class
        // count complete the plan a watcher replays.
        Migration(identifier: v3) { d in [
            """
            CREATE TABLE control_requests (
                id \(d.serialKey),
                run_id \(d.integer) NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                request TEXT NOT NULL,
                requested_at \(d.timestamp) NOT NULL,
                handled_at \(d.timestamp)
            )
            """,
            "CREATE INDEX control_requests_waiting ON control_requests(run_id, handled_at)",
            "ALTER TABLE runs ADD COLUMN paused_at \(d.timestamp)",
            "ALTER TABLE runs ADD COLUMN input_shape TEXT",
            "ALTER TABLE runs ADD COLUMN classes \(d.integer)",
        ] },

        // Each run's folder in a column of its own, made for that run alone (before, the
        // folder was runs/<id> beside the store, which a second store in the same folder
        // handed out again), and the group a run belongs to (a reproduction's seeds).
        // Only SQLite stores hold runs from before: PostgreSQL stores came later.
        Migration(identifier: v4) { d in [
            "ALTER TABLE runs ADD COLUMN folder TEXT",
            "ALTER TABLE runs ADD COLUMN part_of TEXT",
        ] + (d == .sqlite ? ["UPDATE runs SET folder = json_extract(config, '$.runDirectory') WHERE json_valid(config)"] : []) },

        // A sweep: the grid it was given (its file's text, or the options), and its
        // runs, each the run of one of its planned trainings; the unique index lets
        // two workers that start the same training at once see one of them refused.
        Migration(identifier: v5) { d in [
            """
            CREATE TABLE sweeps (
                id \(d.serialKey),
                created_at \(d.timestamp) NOT NULL,
                name TEXT,
                source TEXT NOT NULL,
                trainings TEXT NOT NULL
            )
            """,
            "ALTER TABLE runs ADD COLUMN sweep_id \(d.integer) REFERENCES sweeps(id) ON DELETE SET NULL",
            "ALTER TABLE runs ADD COLUMN sweep_training \(d.integer)",
            "CREATE UNIQUE INDEX runs_by_sweep_training ON runs(sweep_id, sweep_training)",
        ] },

        // The queue agents on many machines take a sweep's trainings from: a row per
        // planned training, claimed with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL
        // (one writer at a time on SQLite). Each claim counts up the training's
        // generation, and the run carries the generation of the claim that trains it:
        // every write of the run's recorder checks it, so an agent that lost its claim
        // (its link cut past the grace period) cannot write into the run another took
        // over. An agent row says who trained what, for 'mimic sweep show'.
        Migration(identifier: v6) { d in [
            """
            CREATE TABLE sweep_agents (
                id \(d.serialKey),
                sweep_id \(d.integer) NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                host TEXT NOT NULL,
                pid \(d.integer) NOT NULL,
                slurm_job TEXT,
                slurm_task TEXT,
                started_at \(d.timestamp) NOT NULL,
                seen_at \(d.timestamp) NOT NULL,
                finished \(d.integer) NOT NULL DEFAULT 0,
                given_up \(d.integer) NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE sweep_queue (
                sweep_id \(d.integer) NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                training \(d.integer) NOT NULL,
                run_id \(d.integer) REFERENCES runs(id) ON DELETE SET NULL,
                generation \(d.integer) NOT NULL DEFAULT 0,
                agent_id \(d.integer) REFERENCES sweep_agents(id) ON DELETE SET NULL,
                claimed_at \(d.timestamp),
                PRIMARY KEY (sweep_id, training)
            )
            """,
            "ALTER TABLE runs ADD COLUMN claim_generation \(d.integer) NOT NULL DEFAULT 0",
        ] },

        // The Slurm jobs that train a sweep (`mimic sweep --slurm`): the job id sbatch
        // answered (a job array's, as text: Slurm may add a cluster name, "123;mycluster"),
        // how many agents it runs and when it was submitted. A sweep may get more than
        // one, submitted again after a job was cancelled.
        Migration(identifier: v7) { d in [
            """
            CREATE TABLE sweep_jobs (
                id \(d.serialKey),
                sweep_id \(d.integer) NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                job_id TEXT NOT NULL,
                agents \(d.integer) NOT NULL,
                submitted_at \(d.timestamp) NOT NULL
            )
            """,
            "CREATE INDEX sweep_jobs_by_sweep ON sweep_jobs(sweep_id)",
        ] },

        // Attempts at a sweep's training, as graphile-worker counts a job's: a training
        // that cannot start (its data missing on that agent, an option refused) counts
        // one, waits `available_at` before it is offered again, and after
        // `max_attempts` ends failed with its reason, instead of being handed out
        // after every grace period for ever.
        Migration(identifier: v8) { d in [
            "ALTER TABLE sweep_queue ADD COLUMN attempts \(d.integer) NOT NULL DEFAULT 0",
            "ALTER TABLE sweep_queue ADD COLUMN max_attempts \(d.integer) NOT NULL DEFAULT 3",
            "ALTER TABLE sweep_queue ADD COLUMN last_error TEXT",
            "ALTER TABLE sweep_queue ADD COLUMN available_at \(d.timestamp)",
            "ALTER TABLE sweep_queue ADD COLUMN failed_at \(d.timestamp)",
        ] },

        // The agents that could not start a training: an agent leaves a training it
        // failed to another that has not tried it yet (its data may be missing on this
        // machine only), rather than spend the training's attempts on itself.
        Migration(identifier: v9) { d in [
            """
            CREATE TABLE sweep_failures (
                sweep_id \(d.integer) NOT NULL,
                training \(d.integer) NOT NULL,
                agent_id \(d.integer) NOT NULL REFERENCES sweep_agents(id) ON DELETE CASCADE,
                PRIMARY KEY (sweep_id, training, agent_id)
            )
            """,
        ] },
    ]

    /// The migrations `db` has applied; throws when it has no migrations table.
    static func appliedIdentifiers(_ db: any StoreConnection) throws -> Set<String> {
        Set(try db.rows("SELECT identifier FROM \(sql: db.dialect.migrationsTable)").map { $0["identifier"] as String })
    }

    /// Brings `db` up to date, in its transaction, up to and with `last` (all by
    /// default). Refuses a database of another program (tables, but none of ours) and a
    /// store of a newer mimic. `create` false leaves an empty database as it is and says
    /// there is no store in it: the reading commands do not make stores.
    static func migrate(_ db: any StoreConnection, location: String, create: Bool = true, upTo last: String? = nil) throws {
        let migrationsTable = db.dialect.migrationsTable
        let tables = Set(try db.rows(db.dialect.tableNames).map { $0["name"] as String })
        let applied = tables.contains(migrationsTable) ? try appliedIdentifiers(db) : []
        let known = Set(allIdentifiers)
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty {
            throw applied.isDisjoint(with: known) ? StoreError.notAStore(location) : StoreError.newer(location, unknown: unknown.sorted())
        }
        if applied.isEmpty && !tables.subtracting([migrationsTable]).isEmpty { throw StoreError.notAStore(location) }
        if applied.isEmpty && !create { throw StoreError.missing(location) }
        if !tables.contains(migrationsTable) {
            try db.execute("CREATE TABLE \(sql: migrationsTable) (identifier TEXT NOT NULL PRIMARY KEY)")
        }
        for migration in migrations where !applied.contains(migration.identifier) {
            for statement in migration.statements(db.dialect) {
                try db.execute("\(sql: statement)")
            }
            try db.execute("INSERT INTO \(sql: migrationsTable) (identifier) VALUES (\(migration.identifier))")
            if migration.identifier == last { return }
        }
    }
}
