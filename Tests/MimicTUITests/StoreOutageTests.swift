import Foundation
import MimicEngine
import MimicTestSupport
import Synchronization
import Testing
@testable import MimicStore
@testable import MimicTUI

/// The dashboard never waits on the store: with a read that hangs (a server gone
/// without closing the connection), keys are answered and drawn; the header says the
/// store is unreachable once reads fail, and clears when they answer again.
@Suite struct StoreOutageTests {
    /// A SQLite store whose reads can be made to hang, then to fail as an unreachable
    /// server's do, then to answer again.
    final class FlakyBackend: StoreBackend, @unchecked Sendable {
        enum Mode { case answering, hanging, failing }
        struct Unreachable: Error, CustomStringConvertible {
            var description: String { "the server cannot be reached (a test's)" }
        }
        let inner: SQLiteBackend
        private let gate = NSCondition()
        private var mode = Mode.answering
        /// Reads hanging now.
        private var hanging = 0
        var dialect: SQLDialect { inner.dialect }

        init(_ inner: SQLiteBackend) { self.inner = inner }

        func set(_ mode: Mode) {
            gate.lock()
            self.mode = mode
            gate.broadcast()
            gate.unlock()
        }

        var isHanging: Bool {
            gate.lock()
            defer { gate.unlock() }
            return hanging > 0
        }

        func read<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
            gate.lock()
            // A hanging read waits until the mode changes, or 20 s, then fails.
            if mode == .hanging {
                hanging += 1
                let deadline = Date().addingTimeInterval(20)
                while mode == .hanging && gate.wait(until: deadline) {}
                hanging -= 1
                gate.unlock()
                throw Unreachable()
            }
            let failing = mode == .failing
            gate.unlock()
            if failing { throw Unreachable() }
            return try inner.read(body)
        }

        func write<T>(_ body: (any StoreConnection) throws -> T) throws -> T { try inner.write(body) }
        func problem(_ error: any Error, doing what: String, location: String) -> StoreError {
            inner.problem(error, doing: what, location: location)
        }
        func reason(_ error: any Error) -> String { inner.reason(error) }
    }

    /// A terminal whose keys come from `script`, asked at each turn of the loop with
    /// the frame drawn last; it keeps every frame's text and when it was drawn.
    final class ScriptedScreen: TerminalScreen {
        let glyphs = GlyphSet.unicode
        let depth = ColorDepth.none
        let width = 100, height = 30
        var lastFrame = ""
        let script: (String) -> TerminalRead
        init(script: @escaping (String) -> TerminalRead) { self.script = script }
        func read(timeoutMilliseconds: Int32) -> TerminalRead {
            Thread.sleep(forTimeInterval: 0.005)
            return script(lastFrame)
        }
        func apply(_ palette: Palette) {}
        func draw(_ grid: CellGrid) { lastFrame = grid.text }
        func close() {}
    }

    @Test func keysAreAnsweredWhileAReadHangsAndTheHeaderSaysTheStoreIsUnreachable() throws {
        let folder = try TemporaryFolder()
        let path = folder.storePath
        let run: Int64
        do {
            let store = try RunStore(path: path)
            run = try store.createRun(config: RecordedRun.config, programVersion: "test").id
            let recorder = RunRecorder(store: store, runID: run, flushInterval: .zero)
            for event in RecordedRun.events.prefix(20) { recorder.record(event) }
        }
        let backend = FlakyBackend(try SQLiteBackend(path: path, create: false))
        let store = RunStore(address: .sqlite(path: path), backend: backend)

        enum Step { case settle, hang, help, unreachable, back, done }
        var step = Step.settle
        var keySent: ContinuousClock.Instant?
        var helpLatency: Duration?
        var helpDrawnWhileHanging = false
        var sawUnreachable = false, sawBack = false
        let deadline = ContinuousClock.now + .seconds(30)
        let screen = ScriptedScreen { frame in
            guard ContinuousClock.now < deadline else { return .key(.character("q")) }
            switch step {
            case .settle:
                // The run on screen first, then the store hangs.
                if frame.contains("watching run \(run)") && frame.contains("epoch ") {
                    backend.set(.hanging)
                    step = .hang
                }
            case .hang:
                if backend.isHanging {
                    step = .help
                    keySent = .now
                    return .key(.character("?"))
                }
            case .help:
                if frame.contains("Keys (Esc closes)") {
                    helpLatency = keySent.map { .now - $0 }
                    helpDrawnWhileHanging = backend.isHanging
                    backend.set(.failing)
                    step = .unreachable
                    return .key(.escape)
                }
            case .unreachable:
                if frame.contains("store unreachable for") {
                    sawUnreachable = true
                    backend.set(.answering)
                    step = .back
                }
            case .back:
                if !frame.contains("store unreachable") && frame.contains("answers again") {
                    sawBack = true
                    step = .done
                }
            case .done:
                return .key(.character("q"))
            }
            return .nothing
        }
        let app = DashboardApp(options: .init(config: RecordedRun.config, theme: nil, executablePath: "/nonexistent/mimic",
                                              environment: [:], store: store, watchRun: run), screen: screen)
        _ = app.loop()
        backend.set(.answering)

        print("key answered in \(helpLatency.map { String(format: "%.1f ms", $0.seconds * 1000) } ?? "never") with a store read hanging")
        #expect(helpDrawnWhileHanging, "the help was drawn while the store's read still hung (it was drawn: \(helpLatency != nil))")
        #expect(sawUnreachable, "the header said the store is unreachable:\n\(screen.lastFrame)")
        #expect(sawBack, "the header cleared once the store answered:\n\(screen.lastFrame)")
    }

    @Test func theHeaderSaysHowLongTheStoreHasBeenSilentAndTheReasonOnce() {
        var state = DashboardState(config: RecordedRun.config, width: 80, height: 24)
        _ = DashboardReducer.reduce(&state, .startedWatching(WatchedRun(id: 3, status: .running), config: RecordedRun.config,
                                                             startedAt: 0))
        _ = DashboardReducer.reduce(&state, .tick(now: 5))
        _ = DashboardReducer.reduce(&state, .storeRefreshed(problem: "The run store cannot be reached."))
        #expect(state.storeFailure == StoreFailure(since: 5, message: "The run store cannot be reached."))
        #expect(state.status == "The run store cannot be reached.")
        state.status = nil
        _ = DashboardReducer.reduce(&state, .tick(now: 17.5))
        _ = DashboardReducer.reduce(&state, .storeRefreshed(problem: "The run store cannot be reached."))
        #expect(state.status == nil, "said once")
        let header = DashboardRenderer(glyphs: .unicode).render(state).line(0)
        #expect(header.contains("store unreachable for 12s, retrying"), "\(header)")
        #expect(header.count <= 80)
        _ = DashboardReducer.reduce(&state, .storeRefreshed(problem: nil))
        #expect(state.storeFailure == nil)
        #expect(!DashboardRenderer(glyphs: .unicode).render(state).line(0).contains("unreachable"))
    }
}
