import Foundation
import MimicEngine
import MimicSession
import MimicStore
import MimicSweep

/// The run loop: reads keys with a short timeout, drains what other threads sent,
/// feeds it all to the reducer, carries out the effects, and redraws when something
/// changed, at most about twenty times a second. It never waits on the store: reads
/// and a watcher's requests go to the `StoreReader`'s thread, and their answers come
/// back through the inbox.
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
    /// How often a watcher of a sweep checks whether it has moved on to another
    /// training. (Whether the watched run's trainer lives is checked on every read.)
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
    /// Reads the store off this thread; nil without a store.
    private let reader: StoreReader?
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
        let started = clock.now
        self.started = started
        let inbox = inbox
        reader = options.store.map { StoreReader(store: $0, inbox: inbox, loopStart: started) }
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
        // Read here, before the first frame, as the command's own reads of the run are:
        // the panes open on the watched run's settings rather than the dashboard's.
        if let id = options.watchRun, let reader, let record = try? reader.store.run(id) {
            send(reader.follow(record))
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
        if !state.mode.isWatching { startLoadingData() }
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
            if let reader {
                // What is due is read in one refresh; while one is under way (a store slow
                // to answer) nothing more is asked, and what is due waits for the next turn.
                let watchDue = now - lastWatch >= Self.watchInterval, livenessDue = now - lastLiveness >= Self.livenessInterval
                let runsDue = now - lastRuns >= Self.runsInterval, sweepDue = state.showingSweep && now - lastSweep >= Self.sweepInterval
                var refresh = StoreReader.Refresh()
                refresh.watchedRun = watchDue && state.mode.isWatching
                if livenessDue, let sweep = options.watchSweep, state.watchedRun?.isTraining != true { refresh.nextTrainingOf = sweep }
                refresh.runs = runsDue
                if sweepDue { refresh.sweep = sweepChoice }
                if reader.refresh(refresh) {
                    if watchDue { lastWatch = now }
                    if livenessDue { lastLiveness = now }
                    if runsDue { lastRuns = now }
                    if sweepDue { lastSweep = now }
                }
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
        reader?.finish(waitingForRequestsUpTo: 2)
        return interrupted ? 130 : 0
    }

    /// Which sweep the sweep view reads (see `StoreReader.SweepChoice`).
    private var sweepChoice: StoreReader.SweepChoice {
        StoreReader.SweepChoice(open: state.sweep?.sweepID, named: options.watchSweep, watchedRun: state.watchedRun?.id)
    }

    /// Asks the watched run's process to pause, resume or stop, through the store.
    private func request(_ request: ControlRequest) {
        guard let reader, let id = state.watchedRun?.id else { return }
        reader.request(request, run: id)
    }

    private func startLoadingData() {
        let config = options.config
        let inbox = inbox
        let thread = Thread {
            SignalFlags.blockTerminalSignalsOnThisThread()
            do {
                inbox.push(.dataLoaded(try DataSet.load(for: config)))
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
                                          validationFraction: config.validationFraction, seed: config.seed, needsPool: !config.students.isEmpty)
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
        case .pauseRun: state.mode.isWatching ? request(.pause) : session?.control.pause()
        case .resumeRun: state.mode.isWatching ? request(.resume) : session?.control.resume()
        case .stopRun: state.mode.isWatching ? request(.stop) : session?.control.stop()
        case let .loadPastRun(id, read): reader?.loadPastRun(id, read: read)
        case .readSweep:
            if let reader {
                reader.readSweep(sweepChoice)
            } else {
                send(.sweepUnavailable("No run store is open, so there is no sweep to show."))
            }
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
