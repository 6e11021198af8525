import GRDB

/// The store's schema, one migration per version. A store written by an older mimic
/// is brought up to date when it is opened; one written by a newer mimic (a
/// migration this one does not know) is refused rather than misread.
///
/// Never edit a migration that has shipped: add one.
enum StoreSchema {
    static let v1 = "v1-runs-models-metrics"
    static let v2 = "v2-liveness"
    static let v3 = "v3-control"
    static let v4 = "v4-run-folders"
    static let v5 = "v5-sweeps"
    static let allIdentifiers = [v1, v2, v3, v4, v5]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration(v1) { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at DATETIME NOT NULL,
                    ended_at DATETIME,
                    status TEXT NOT NULL,
                    config TEXT NOT NULL,
                    data_set TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    program_version TEXT NOT NULL,
                    labeled_count INTEGER,
                    validation_count INTEGER,
                    unlabeled_count INTEGER,
                    test_count INTEGER,
                    wall_seconds REAL,
                    message TEXT
                );
                CREATE INDEX runs_by_status ON runs(status);
                CREATE TABLE models (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    spec TEXT NOT NULL,
                    parameters INTEGER NOT NULL,
                    forward_flops INTEGER NOT NULL,
                    epochs INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    epochs_completed INTEGER NOT NULL DEFAULT 0,
                    training_seconds REAL NOT NULL DEFAULT 0,
                    test_accuracy REAL,
                    test_loss REAL,
                    agreement REAL,
                    parity_seconds REAL,
                    checkpoint TEXT,
                    message TEXT,
                    UNIQUE (run_id, role, position)
                );
                CREATE TABLE metrics (
                    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
                    step INTEGER NOT NULL,
                    epoch INTEGER NOT NULL,
                    samples_seen INTEGER NOT NULL,
                    training_seconds REAL NOT NULL,
                    wall_seconds REAL NOT NULL,
                    name TEXT NOT NULL,
                    value REAL NOT NULL
                );
                CREATE INDEX metrics_by_model ON metrics(model_id, step);
                """)
        }

        // Which process trains a run and when it last wrote, so that a run whose
        // process died shows as interrupted rather than running forever.
        migrator.registerMigration(v2) { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN pid INTEGER;
                ALTER TABLE runs ADD COLUMN host TEXT;
                ALTER TABLE runs ADD COLUMN heartbeat_at DATETIME;
                """)
        }

        // Another process (`mimic watch`) asks the trainer to pause, resume or stop by
        // adding a request; the trainer takes it within a second and records whether it
        // is paused, so every watcher shows the same state. The input shape and class
        // count complete the plan a watcher replays.
        migrator.registerMigration(v3) { db in
            try db.execute(sql: """
                CREATE TABLE control_requests (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    request TEXT NOT NULL,
                    requested_at DATETIME NOT NULL,
                    handled_at DATETIME
                );
                CREATE INDEX control_requests_waiting ON control_requests(run_id, handled_at);
                ALTER TABLE runs ADD COLUMN paused_at DATETIME;
                ALTER TABLE runs ADD COLUMN input_shape TEXT;
                ALTER TABLE runs ADD COLUMN classes INTEGER;
                """)
        }
        // Each run's folder in a column of its own, made for that run alone (before, the
        // folder was runs/<id> beside the store, which a second store in the same folder
        // handed out again), and the group a run belongs to (a reproduction's seeds).
        migrator.registerMigration(v4) { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN folder TEXT;
                ALTER TABLE runs ADD COLUMN part_of TEXT;
                UPDATE runs SET folder = json_extract(config, '$.runDirectory') WHERE json_valid(config);
                """)
        }
        // A sweep: the grid it was given (its file's text, or the options), and its
        // runs, each the run of one of its planned trainings; the unique index lets
        // two workers that start the same training at once see one of them refused.
        migrator.registerMigration(v5) { db in
            try db.execute(sql: """
                CREATE TABLE sweeps (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    created_at DATETIME NOT NULL,
                    name TEXT,
                    source TEXT NOT NULL,
                    trainings TEXT NOT NULL
                );
                ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
                ALTER TABLE runs ADD COLUMN sweep_training INTEGER;
                CREATE UNIQUE INDEX runs_by_sweep_training ON runs(sweep_id, sweep_training);
                """)
        }
        return migrator
    }
}
