import Foundation
import GRDB
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// A store written by the first schema, with real rows, opened by this program.
@Suite struct MigrationTests {
    @Test func aVersionOneStoreOpensWithItsDataAndTheNewColumns() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("store"), withIntermediateDirectories: true)
        let config = quickConfig()
        let configJSON = try RunRecord.json(config)
        do {
            let old = try DatabasePool(path: folder.storePath)
            try old.write { db in try StoreSchema.migrate(SQLiteConnection(db), location: folder.storePath, upTo: StoreSchema.v1) }
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO runs (started_at, ended_at, status, config, data_set, seed, program_version,
                                      labeled_count, validation_count, unlabeled_count, test_count, wall_seconds)
                    VALUES ('2025-03-01 10:00:00.000', '2025-03-01 10:05:00.000', 'done', ?, 'fashion-mnist', 1, '0.1.0',
                            6000, 0, 54000, 10000, 300.5);
                    INSERT INTO runs (started_at, status, config, data_set, seed, program_version)
                    VALUES ('2025-03-02 09:00:00.000', 'running', ?, 'fashion-mnist', 1, '0.1.0');
                    INSERT INTO models (run_id, role, position, spec, parameters, forward_flops, epochs, status,
                                        epochs_completed, training_seconds, test_accuracy, test_loss, agreement, parity_seconds)
                    VALUES (1, 'mentor', 1, 'cnn-l', 421642, 1000, 15, 'finished', 15, 120.25, 0.875, 0.35, NULL, NULL),
                           (1, 'student', 1, 'cnn-s', 105866, 500, 12, 'finished', 12, 90.5, 0.86, 0.39, 0.93, 60.0),
                           (2, 'mentor', 1, 'cnn-l', 421642, 1000, 15, 'training', 3, 20, 0.8, 0.5, NULL, NULL);
                    INSERT INTO metrics VALUES (1, 47, 1, 6016, 8.5, 9.0, 'train_loss', 0.61),
                                               (1, 47, 1, 6016, 8.5, 9.0, 'test_accuracy', 0.8),
                                               (3, 47, 1, 6016, 7.5, 130.0, 'test_accuracy', 0.79);
                    """, arguments: [configJSON, configJSON])
            }
            #expect(try old.read { db in try db.columns(in: "runs").map(\.name) }.contains("pid") == false)
        }

        let store = try RunStore(path: folder.storePath)
        let applied = try store.backend.read { db in try StoreSchema.appliedIdentifiers(db) }
        #expect(applied == Set(StoreSchema.allIdentifiers))
        let columns = try store.sqlitePool.read { db in try db.columns(in: "runs").map(\.name) }
        #expect(columns.suffix(11) == ["pid", "host", "heartbeat_at", "paused_at", "input_shape", "classes", "folder", "part_of",
                                       "sweep_id", "sweep_training", "claim_generation"])
        #expect(try store.sqlitePool.read { db in try db.tableExists("sweep_queue") && db.tableExists("sweep_agents") })
        #expect(try store.sqlitePool.read { db in try db.tableExists("sweeps") })
        #expect(try store.sqlitePool.read { db in try db.tableExists("control_requests") })

        let done = try store.storedRun(1)
        #expect(done.run.status == .done)
        #expect(done.run.config == config)
        #expect(done.run.dataSet == "fashion-mnist" && done.run.programVersion == "0.1.0")
        #expect(done.run.split == .init(labeled: 6000, validation: 0, unlabeled: 54000, test: 10000))
        #expect(done.run.wallSeconds == 300.5)
        #expect(done.run.pid == nil && done.run.host == nil && done.run.heartbeatAt == nil)
        #expect(done.run.pausedAt == nil && done.run.inputShape == nil && done.run.classes == nil)
        #expect(done.models.map(\.spec) == ["cnn-l", "cnn-s"])
        #expect(done.models[1].test == Evaluation(loss: 0.39, accuracy: 0.86, agreement: 0.93))
        #expect(done.models[1].paritySeconds == 60)
        #expect(try store.metrics(ofRun: 1).map(\.value) == [0.61, 0.8])
        #expect(try store.metrics(ofRun: 2).map(\.value) == [0.79])
        #expect(done.table.text.contains("86.00%"))

        // The old running run has no process to ask: no mimic can still be writing it.
        let old = try store.run(2)
        #expect(old.status == .interrupted)
        #expect(old.endedAt == old.startedAt)
        #expect(try store.models(ofRun: 2).map(\.status) == [.interrupted])

        // The new columns work: a new run records its process.
        let new = try store.createRun(config: config, programVersion: "0.2.0")
        #expect(new.id == 3 && new.pid == getpid() && new.status == .running)
        try store.requestControl(.pause, run: new.id)
        #expect(try store.takeControlRequests(run: new.id) == [.pause])
    }
}
