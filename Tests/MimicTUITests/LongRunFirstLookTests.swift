import Foundation
import MimicEngine
import MimicTestSupport
import Testing
@testable import MimicStore
@testable import MimicTUI

/// `mimic watch` opened late on a long run: the first look reads the points the curves
/// can show, not the hundreds of thousands of rows the run holds, and draws them.
/// Times are printed as figures, never asserted: the rows read are.
@Suite struct LongRunFirstLookTests {
    static let points = 100_000
    static let pointsPerEpoch = 1_000
    static var epochs: Int { points / pointsPerEpoch }

    /// A run whose mentor has `points` train points (three rows each) and a test
    /// evaluation every `pointsPerEpoch` (two rows more), written in one statement.
    static func longRun(in store: RunStore) throws -> (run: Int64, mentor: Int64) {
        let record = try store.createRun(config: RecordedRun.config, programVersion: "test")
        let recorder = RunRecorder(store: store, runID: record.id, flushInterval: .zero)
        for event in RecordedRun.events.prefix(while: { if case .progress = $0 { false } else { true } }) { recorder.record(event) }
        let mentor = try #require(try store.models(ofRun: record.id).first { $0.role == .mentor }).id
        try store.write("writing a long run") { db in
            try db.execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(points)),
                names(name, k) AS (VALUES ('train_loss', 1), ('train_accuracy', 2), ('samples_per_second', 3),
                                          ('test_loss', 4), ('test_accuracy', 5))
                INSERT INTO metrics (model_id, step, epoch, samples_seen, training_seconds, wall_seconds, name, value)
                SELECT \(mentor), i, i / \(pointsPerEpoch), i * 16, i * 0.01, i * 0.01, name, 1.0 / i FROM n CROSS JOIN names
                WHERE k <= 3 OR i % \(pointsPerEpoch) = 0
                ORDER BY i, k
                """)
        }
        return (record.id, mentor)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        return (ContinuousClock.now - start).seconds
    }

    @Test(arguments: StoreKind.tested) func theFirstLookReadsOnlyWhatTheCurvesShow(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let (run, mentor) = try Self.longRun(in: store)
        let allRows = Self.points * 3 + Self.epochs * 2

        // Counted, not read: reading them all is what the first look spares (seconds,
        // and past the query timeout on a loaded machine).
        let (count, newest) = try store.read("counting") { db in
            let row = try #require(try db.row("SELECT count(*) AS n, max(\(sql: db.dialect.metricRowID)) AS newest FROM metrics"))
            return (row["n"] as Int, row["newest"] as Int64)
        }
        #expect(count == allRows)
        var first: RunChanges?
        let firstTime = try Self.seconds { first = try store.firstLook(ofRun: run, trainPoints: 1000) }
        let look = try #require(first)
        print("\(kind): the first look of a \(allRows)-row run read \(look.metrics.count) rows in \(String(format: "%.3f", firstTime)) s")

        // At most one train point per span of steps, and every evaluated point, whole.
        let steps = Set(look.metrics.map(\.point.step))
        #expect(steps.count <= 1000 + Self.epochs)
        #expect(look.metrics.count == steps.count * 3 + Self.epochs * 2, "each point read whole")
        #expect(look.metrics.filter { $0.point.name == "test_accuracy" }.count == Self.epochs)
        #expect(steps.contains(Self.points), "the newest point is there")
        #expect(look.metrics.map(\.rowID) == look.metrics.map(\.rowID).sorted(), "in the order written")
        #expect(look.lastMetricRowID == newest)

        // Later looks read on from the newest row, kept or not.
        try store.write("one more point") { db in
            try db.execute("""
                INSERT INTO metrics (model_id, step, epoch, samples_seen, training_seconds, wall_seconds, name, value)
                VALUES (\(mentor), \(Self.points + 1), \(Self.epochs), 0, 0, 0, 'train_loss', 0.5),
                       (\(mentor), \(Self.points + 1), \(Self.epochs), 0, 0, 0, 'train_accuracy', 0.5)
                """)
        }
        #expect(try store.changes(ofRun: run, metricsAfter: look.lastMetricRowID).metrics.count == 2)
    }

    /// What `mimic watch` does first, in one piece: the follower's first poll, the
    /// reducer taking it in, and the frame that shows it.
    @Test(arguments: StoreKind.tested) func aLongRunIsOnScreenFromTheFirstLook(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let (run, _) = try Self.longRun(in: store)
        var state = DashboardState(config: RecordedRun.config, width: 120, height: 40)
        _ = DashboardReducer.reduce(&state, .startedWatching(WatchedRun(id: run, status: .running), config: RecordedRun.config,
                                                             startedAt: 0))
        let follower = RunFollower(store: store, runID: run)
        var inputs: [DashboardInput] = []
        let readTime = try Self.seconds { inputs = try follower.poll() }
        let reduceTime = Self.seconds { for input in inputs { _ = DashboardReducer.reduce(&state, input) } }
        var frame = CellGrid(width: 0, height: 0)
        let drawTime = Self.seconds { frame = DashboardRenderer(glyphs: .unicode).render(state) }
        print("\(kind): first look of a \(Self.points * 3 + Self.epochs * 2)-row run: read \(String(format: "%.3f", readTime)) s, "
            + "taken in \(String(format: "%.3f", reduceTime)) s, drawn \(String(format: "%.3f", drawTime)) s")

        let progress = inputs.filter { if case .engine(.progress) = $0 { true } else { false } }.count
        #expect(progress <= 1000 + Self.epochs, "the first look sends what the chart can show, not \(Self.points) points")
        let mentor = try #require(state.run?.curves.first)
        #expect(mentor.test.count == Self.epochs, "every test point")
        #expect(state.run?.current?.step == Self.points, "the header's epoch is the newest point's")
        #expect(!frame.text.contains("first points"), "curves are drawn:\n\(frame.text)")
    }
}
