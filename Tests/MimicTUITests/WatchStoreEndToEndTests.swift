import Foundation
import MimicEngine
@testable import MimicStore
import MimicTestSupport
import Testing

/// `mimic watch` in a real terminal against the store's failures and its contents:
/// a PostgreSQL server stopped and started again under it, and a store it must leave
/// exactly as it found it. The run watched is recorded by the test itself (a
/// `RunRecorder` in this process, holding the run's folder lock as a trainer does),
/// so what the store holds, and when, is the test's to say.
@Suite(.serialized) struct WatchStoreEndToEndTests {
    typealias Terminal = DashboardEndToEndTests.Terminal
    static let tmux = DashboardEndToEndTests.tmux
    static let binary = DashboardEndToEndTests.binary
    static func quoted(_ text: String) -> String { DashboardEndToEndTests.shellQuoted(text) }

    /// Why the PostgreSQL outage test cannot run here; under CI it runs and fails instead.
    static let noCluster: String? = TestPostgres.underCI ? nil : OwnPostgresServer.unavailable

    /// Polls the screen as fast as tmux answers until `condition` holds: how long a
    /// key took to show, measured from before it was sent.
    static func timeUntil(_ terminal: Terminal, limit: Double, _ condition: (String) -> Bool) -> Double? {
        let start = ContinuousClock.now
        while (ContinuousClock.now - start).seconds < limit {
            if condition(terminal.screen()) { return (ContinuousClock.now - start).seconds }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return nil
    }

    @Test(.enabled(if: tmux != nil, "tmux is not installed (apt-get install tmux)"),
          .enabled(if: binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"),
          .enabled(if: noCluster == nil, "\(noCluster ?? "")"))
    func watchGoesOnWhileThePostgresServerIsDownAndCatchesUp() throws {
        let folder = try TemporaryFolder()
        let cluster = try OwnPostgresServer(in: folder)
        let address = try StoreAddress(parsing: cluster.url)
        let store = try RunStore(address, folder: folder.file("store"))
        let (record, runFolder) = try store.startRun(config: RecordedRun.config, programVersion: "test")
        defer { withExtendedLifetime(runFolder) {} }
        let recorder = RunRecorder(store: store, runID: record.id, flushInterval: .zero)
        let events = RecordedRun.events
        let firstEpochEnd = try #require(events.firstIndex {
            if case .progress(let point) = $0 { point.isEpochEnd && point.model.role == .mentor } else { false }
        })
        for event in events[...firstEpochEnd] { recorder.record(event) }

        let command = "env LANG=C.UTF-8 \(Self.quoted(Self.binary!)) watch \(record.id) --store \(Self.quoted(address.description)); "
            + DashboardEndToEndTests.afterExit
        let terminal = try Terminal(tmux: Self.tmux!, width: 100, height: 30, command: command)
        let (following, screen) = terminal.wait(seconds: 30) { $0.contains("watching run \(record.id)") && $0.contains("epoch 1/") }
        #expect(following, "watch did not follow the run:\n\(screen)")

        try cluster.stop()
        let (unreachable, downScreen) = terminal.wait(seconds: 30) { $0.contains("store unreachable for") }
        #expect(unreachable, "the header did not say the store is unreachable:\n\(downScreen)")

        // Keys with the server down: the help opens and closes, each timed from send-keys.
        var latencies: [Double] = []
        for _ in 0..<3 {
            let start = ContinuousClock.now
            try terminal.press("?")
            let opened = Self.timeUntil(terminal, limit: 10) { $0.contains("Keys (Esc closes)") }
            latencies.append(opened.map { _ in (ContinuousClock.now - start).seconds } ?? .infinity)
            let closeStart = ContinuousClock.now
            try terminal.press("Escape")
            let closed = Self.timeUntil(terminal, limit: 10) { !$0.contains("Keys (Esc closes)") }
            latencies.append(closed.map { _ in (ContinuousClock.now - closeStart).seconds } ?? .infinity)
        }
        print("keys with the PostgreSQL server stopped, send-keys to screen: "
            + latencies.map { String(format: "%.0f ms", $0 * 1000) }.joined(separator: ", "))
        // Generous: tmux and a loaded machine add their own delay; a dashboard waiting on
        // the server would take the connect timeout (10 s) or never answer.
        #expect(latencies.allSatisfy { $0 < 3 }, "keys were slow with the store down: \(latencies)")

        // The server back, the run goes on and ends: the screen catches up without a key.
        try cluster.start()
        // The trainer's connection went with the server; this read makes the next one.
        _ = try? store.run(record.id)
        for event in events[(firstEpochEnd + 1)...] { recorder.record(event) }
        let (caughtUp, upScreen) = terminal.wait(seconds: 30) { screen in
            !screen.contains("store unreachable") && screen.contains("looking back at run \(record.id)")
                && screen.contains("student 2")
        }
        #expect(caughtUp, "the view did not catch up once the server was back:\n\(upScreen)")

        try terminal.press("q")
        let (exited, after) = terminal.wait(seconds: 15) { $0.contains("END") }
        #expect(exited && after.contains("EXITED=0"), "watch did not quit:\n\(after)")
    }

    /// Merely watching writes nothing: not a run whose trainer died (it reads
    /// interrupted on screen, and stays running in the store for a command that may
    /// write to mark), not the runs pane's reads, not quitting.
    @Test(.enabled(if: tmux != nil, "tmux is not installed (apt-get install tmux)"),
          .enabled(if: binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
    func watchingWritesNothingToTheStore() throws {
        let folder = try TemporaryFolder()
        let store = try RunStore(path: folder.storePath)
        let done = try store.createRun(config: RecordedRun.config, programVersion: "test")
        let doneRecorder = RunRecorder(store: store, runID: done.id, flushInterval: .zero)
        for event in RecordedRun.events { doneRecorder.record(event) }
        // A run whose trainer died: no lock, its last heartbeat two hours old.
        let dead = try store.createRun(config: RecordedRun.config, programVersion: "test")
        let deadRecorder = RunRecorder(store: store, runID: dead.id, flushInterval: .zero)
        for event in RecordedRun.events.prefix(30) { deadRecorder.record(event) }
        try store.write("ageing a heartbeat") { db in
            try db.execute("UPDATE runs SET heartbeat_at = \(Date().addingTimeInterval(-7200)) WHERE id = \(dead.id)")
        }
        let before = try store.contents()

        let command = "env LANG=C.UTF-8 \(Self.quoted(Self.binary!)) watch \(dead.id) --store \(Self.quoted(folder.storePath)); "
            + DashboardEndToEndTests.afterExit
        let terminal = try Terminal(tmux: Self.tmux!, width: 100, height: 30, command: command)
        let (shown, screen) = terminal.wait(seconds: 30) { $0.contains("looking back at run \(dead.id)") && $0.contains("interrupted") }
        #expect(shown, "the dead run did not read interrupted:\n\(screen)")
        // The runs pane, an overlay of the finished run, and a few refreshes.
        try terminal.press("5")
        let (listed, listScreen) = terminal.wait(seconds: 10) { $0.contains("#\(done.id)") || $0.contains(" \(done.id) ") }
        #expect(listed, "the runs pane did not list the runs:\n\(listScreen)")
        try terminal.press("Enter")
        Thread.sleep(forTimeInterval: 4)
        try terminal.press("q")
        let (exited, after) = terminal.wait(seconds: 15) { $0.contains("END") }
        #expect(exited && after.contains("EXITED=0"), "watch did not quit:\n\(after)")

        let afterWatching = try store.contents()
        #expect(afterWatching == before, "watching changed the store: \(Set(afterWatching).symmetricDifference(before).sorted().prefix(6))")
        #expect(try store.run(dead.id).status == .running, "left for a writer to mark")
    }
}
