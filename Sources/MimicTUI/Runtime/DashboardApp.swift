import Foundation
import MimicEngine
import MimicSession
import MimicStore
import MimicSweep

/// The run loop: reads keys with a short timeout, drains what other threads sent,
/// feeds it all to the reducer, carries out the effects, and redraws when something
/// changed, at most about twenty times a second.
public final class DashboardApp {
    public struct Options: Sendable {
        public var config: ExperimentConfig
        /// A theme name or a path to a .theme file; nil for the default.
        public var theme: String?
        public var executablePath: String
        public var environment: [String: String]
        /// Where every run is recorded as it trains; nil records nothing.
        public var store: RunStore?
        /// The program version recorded with each run.
        public var programVersion: String
        /// A run of `store` to follow read-only (`mimic watch`) instead of training here.
        public var watchRun: Int64?
        /// A sweep to open the sweep view on (`mimic watch --sweep`); while it trains,
        /// the run followed moves on to each of its trainings as it starts.
        public var watchSweep: Int64?

        public init(config: ExperimentConfig, theme: String?, executablePath: String, environment: [String: String],
                    store: RunStore? = nil, programVersion: String = "", watchRun: Int64? = nil, watchSweep: Int64? = nil) {
            self.config = config
            self.theme = theme
            self.executablePath = executablePath
            self.environment = environment
            self.store = store
            self.programVersion = programVersion
            self.watchRun = watchRun
            self.watchSweep = watchSweep
        }
    }

    /// How often a watcher reads the store for new points: often enough to look live,
    /// and each read only fetches rows newer than the last.
    static let watchInterval = 0.25
    /// How often the runs pane's list is read again.
    static let runsInterval = 3.0
    /// How often a watcher checks that the training process is still alive, and
    /// whether the sweep it follows has moved on to another training.
    static let livenessInterval = 2.0
    /// How often the sweep view's grid is read again while it is on screen.
    static let sweepInterval = 1.0

    /// At most this many frames a second: the eye gains nothing from more, and the
    /// training thread loses the time.
    static let frameInterval = 0.05

    private let options: Options
    private let screen: TerminalScreen
    private let inbox = EventInbox()
    private let catalog: ThemeCatalog
    private var state: DashboardState
    /// The run trained here, if any.
    private var session: RunSession?
    private var follower: RunFollower?
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    /// A theme given by path rather than name, so cycling back to it finds the file.
    private var themePaths: [String: String] = [:]

    /// Runs until the user quits; returns the exit status (130 after Ctrl-C or SIGTERM).
    /// What the user should know on leaving (a watched run left paused) is printed once
    /// the terminal is restored, where it stays in view.
    public static func run(_ options: Options) throws(TerminalUnavailable) -> Int32 {
        SignalFlags.installInterruptHandlers()
        let screen = try NcursesBackend.open(environment: options.environment)
        let app = DashboardApp(options: options, screen: screen)
        let status = app.loop()
        screen.close()
        if let farewell = app.state.farewell {
            FileHandle.standardOutput.write(Data((farewell + "\n").utf8))
        }
        return status
    }

    init(options: Options, screen: TerminalScreen) {
        self.options = options
        self.screen = screen
        started = clock.now
        catalog = ThemeCatalog(folders: ThemeCatalog.standardFolders(executablePath: options.executablePath,
                                                                     environment: options.environment))
        var names = catalog.names
        let requested = options.theme ?? "dark"
        let (theme, warnings) = catalog.load(requested)
        if !names.contains(theme.name) {
            names.append(theme.name)
            if requested.contains("/") || requested.hasSuffix(".theme") { themePaths[theme.name] = requested }
        }
        state = DashboardState(config: options.config, width: screen.width, height: screen.height, themeNames: names,
                               theme: theme.name)
        if let id = options.watchRun, let store = options.store {
            follow(id, in: store)
        }
        if options.watchSweep != nil {
            send(.key(.character("w")))
        }
        screen.apply(Palette(theme: theme, depth: screen.depth))
        if !warnings.isEmpty {
            send(.themeApplied(name: theme.name, warnings: warnings.map(\.description)))
        }
    }

    private var now: Double { (clock.now - started).seconds }

    func loop() -> Int32 {
        let renderer = DashboardRenderer(glyphs: screen.glyphs)
        // The first frame goes out before the data set loads, so the screen appears at once.
        screen.draw(renderer.render(state))
        FirstFrameRecord.write(environment: options.environment)
        var lastDraw = now
        var lastSecond = Int(now)
        var dirty = false
        // A watcher shows what the training process recorded; the data set is that process's.
        if follower == nil { startLoadingData() }
        var interrupted = false
        var lastWatch = -Double.infinity, lastRuns = -Double.infinity, lastLiveness = now, lastSweep = now

        while true {
            let sinceDraw = now - lastDraw
            let wait = dirty ? max(1, Int32((Self.frameInterval - sinceDraw) * 1000)) : Int32(Self.frameInterval * 1000)
            var inputs: [DashboardInput] = [.tick(now: now)]
            switch screen.read(timeoutMilliseconds: wait) {
            case .key(let key): inputs.append(.key(key))
            case .resize: inputs.append(.resize(width: screen.width, height: screen.height))
            case .nothing: break
            }
            inputs += inbox.drain()
            if now - lastWatch >= Self.watchInterval {
                lastWatch = now
                inputs += readWatchedRun(checkingLiveness: now - lastLiveness >= Self.livenessInterval)
                if now - lastLiveness >= Self.livenessInterval {
                    lastLiveness = now
                    followSweepsNextTraining()
                }
            }
            if state.showingSweep, now - lastSweep >= Self.sweepInterval {
                lastSweep = now
                inputs += readSweep()
            }
            if now - lastRuns >= Self.runsInterval {
                lastRuns = now
                inputs += readPastRuns()
            }
            if SignalFlags.take() != 0 {
                interrupted = true
                inputs.append(.interrupt)
            }
            for input in inputs { send(input) }
            if state.quitRequested { break }

            // The clock alone changes the screen once a second (elapsed time).
            let second = Int(now)
            if inputs.count > 1 || second != lastSecond { dirty = true }
            lastSecond = second
            if dirty && now - lastDraw >= Self.frameInterval {
                screen.draw(renderer.render(state))
                lastDraw = now
                dirty = false
            }
        }
        // Only a run trained here stops; a watched run's process goes on.
        session?.stop(waitingUpTo: 2)
        return interrupted ? 130 : 0
    }

    /// Sets the screen up to follow run `id` of `store`, which another process trains
    /// (or trained): its settings in the panes, its clock in the header.
    private func follow(_ id: Int64, in store: RunStore) {
        guard let record = try? store.run(id) else { return }
        follower = RunFollower(store: store, runID: id)
        let startedAt = now - Date().timeIntervalSince(record.startedAt)
        send(.startedWatching(WatchedRun(id: id, status: record.status), config: record.config, startedAt: startedAt))
    }

    /// What the watched run recorded since the last look. A store that fails says so
    /// once on the status line and is tried again.
    private var watchFailed = false
    private func readWatchedRun(checkingLiveness: Bool) -> [DashboardInput] {
        guard let follower else { return [] }
        do {
            // A trainer that died never records its end; any mimic that notices marks it.
            if checkingLiveness, state.watchedRun?.isTraining == true { try follower.store.markInterruptedRuns() }
            let inputs = try follower.poll()
            watchFailed = false
            return inputs
        } catch {
            if watchFailed { return [] }
            watchFailed = true
            return [.note("\(error)")]
        }
    }

    /// The store's runs for the runs pane. Runs whose configuration cannot be read are
    /// left out; the first look says how many, once, on the status line. Runs whose
    /// trainer died are marked interrupted first, so that an overlay of one is not
    /// read again forever as if it were still training.
    private var unreadableChecked = false
    private func readPastRuns() -> [DashboardInput] {
        guard let store = options.store else { return [] }
        if state.overlays.contains(where: { overlay in state.pastRuns.contains { $0.id == overlay.id && $0.status == .running } }) {
            _ = try? store.markInterruptedRuns()
        }
        guard let runs = try? store.storedRuns() else { return [] }
        var inputs: [DashboardInput] = [.pastRuns(runs.map(PastRun.init(stored:)))]
        if !unreadableChecked, let unreadable = try? store.unreadableRuns() {
            unreadableChecked = true
            if !unreadable.isEmpty {
                let which = unreadable.count == 1 ? "1 run in the store cannot be read and is"
                    : "\(unreadable.count) runs in the store cannot be read and are"
                inputs.append(.note("\(which) not listed; 'mimic runs' names them."))
            }
        }
        return inputs
    }

    /// Reads a past run for the runs pane's overlay on a thread of its own: a long run
    /// has tens of thousands of metric rows.
    private func loadPastRun(_ id: Int64, read: Int) {
        guard let store = options.store else { return }
        let inbox = inbox
        let thread = Thread {
            SignalFlags.blockTerminalSignalsOnThisThread()
            do {
                inbox.push(.pastRunLoaded(id: id, read: read, run: try RunFollower.replay(id, from: store)))
            } catch {
                inbox.push(.pastRunFailed(id: id, read: read, message: "\(error)"))
            }
        }
        thread.name = "mimic run reader"
        thread.start()
    }

    /// The sweep the view shows: the one open already, the one `mimic watch --sweep`
    /// names, the one the watched run belongs to, or else the newest in the store.
    private func readSweep() -> [DashboardInput] {
        guard let store = options.store else {
            return [.sweepUnavailable("No run store is open, so there is no sweep to show.")]
        }
        do {
            let watchedSweep = try state.watchedRun.flatMap { try store.run($0.id).slot?.sweep }
            guard let id = try state.sweep?.sweepID ?? options.watchSweep ?? watchedSweep ?? store.sweeps().first?.id else {
                return [.sweepUnavailable("No sweep is recorded in \(store.location) yet; 'mimic sweep' runs one.")]
            }
            let sweep = try store.sweep(id)
            return [.sweepRead(id: id, name: sweep.name, results: try SweepResults(sweep: sweep, store: store))]
        } catch {
            return [.sweepUnavailable("\(error)")]
        }
    }

    /// While `mimic watch --sweep` follows a sweep, the run on screen is its training
    /// under way: when the one followed ends and another has started, that one is followed.
    private func followSweepsNextTraining() {
        guard let sweepID = options.watchSweep, let store = options.store, state.watchedRun?.isTraining != true,
              let next = try? store.runs(status: .running, sweep: sweepID).last, next.id != state.watchedRun?.id else { return }
        follow(next.id, in: store)
    }

    /// Asks the watched run's process to pause, resume or stop, through the store.
    private func request(_ request: ControlRequest) {
        guard let follower else { return }
        do {
            try follower.store.requestControl(request, run: follower.runID)
        } catch {
            send(.controlRequestFailed("\(error)"))
        }
    }

    private func startLoadingData() {
        let directory = options.config.dataDirectory
        let inbox = inbox
        let thread = Thread {
            SignalFlags.blockTerminalSignalsOnThisThread()
            do {
                inbox.push(.dataLoaded(try DataSet.load(from: directory)))
            } catch {
                inbox.push(.dataFailed("\(error)"))
            }
        }
        thread.name = "mimic data loader"
        thread.start()
    }

    /// The one way `state` changes: the reducer takes the input, and what it asks for
    /// is carried out here.
    private func send(_ input: DashboardInput) {
        for effect in DashboardReducer.reduce(&state, input) { perform(effect) }
    }

    private func perform(_ effect: DashboardEffect) {
        switch effect {
        case .startRun(let config):
            guard let dataSet = state.dataSet else { return }
            do {
                let split = try DataSplit(dataSet: dataSet, labeledFraction: config.labeledFraction,
                                          validationFraction: config.validationFraction, seed: config.seed)
                let inbox = inbox
                func start(recordingIn store: RunStore?) throws -> RunSession {
                    // `R` runs a seed of the protocol: recorded as one, `mimic reproduce --resume` takes it up.
                    try RunSession.start(config, dataSet: dataSet, split: split, store: store,
                                         programVersion: options.programVersion,
                                         partOf: ReproductionProtocol.describes(config) ? ReproductionProtocol.runGroup : nil) { message in
                        inbox.push(.note(message))
                    }
                }
                // A store that cannot take the run does not stop it: it trains unrecorded.
                let session: RunSession
                do {
                    session = try start(recordingIn: options.store)
                } catch let error as StoreError {
                    inbox.push(.note("This run is not recorded: \(error)"))
                    session = try start(recordingIn: nil)
                }
                self.session = session
                if let id = session.runID { inbox.push(.recordedAs(id)) }
                session.start(prepareThread: SignalFlags.blockTerminalSignalsOnThisThread) { event in
                    inbox.push(.engine(event))
                }
            } catch {
                // Nothing trained: the run leaves no record.
                send(.runFailedToStart("\(error)"))
            }
        case .pauseRun: follower == nil ? session?.control.pause() : request(.pause)
        case .resumeRun: follower == nil ? session?.control.resume() : request(.resume)
        case .stopRun: follower == nil ? session?.control.stop() : request(.stop)
        case let .loadPastRun(id, read): loadPastRun(id, read: read)
        case .readSweep: for input in readSweep() { send(input) }
        case .applyTheme(let name): applyTheme(name)
        case .quit: break
        }
    }

    private func applyTheme(_ name: String) {
        let (theme, warnings) = catalog.load(themePaths[name] ?? name)
        screen.apply(Palette(theme: theme, depth: screen.depth))
        send(.themeApplied(name: theme.name, warnings: warnings.map(\.description)))
    }
}
