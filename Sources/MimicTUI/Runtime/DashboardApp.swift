import Foundation
import MimicEngine

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

        public init(config: ExperimentConfig, theme: String?, executablePath: String, environment: [String: String]) {
            self.config = config
            self.theme = theme
            self.executablePath = executablePath
            self.environment = environment
        }
    }

    /// At most this many frames a second: the eye gains nothing from more, and the
    /// training thread loses the time.
    static let frameInterval = 0.05

    private let options: Options
    private let screen: TerminalScreen
    private let inbox = EventInbox()
    private let catalog: ThemeCatalog
    private var state: DashboardState
    private var runner: TrainingRunner?
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var appliedTheme: Int
    /// A theme given by path rather than name, so cycling back to it finds the file.
    private var themePaths: [String: String] = [:]

    /// Runs until the user quits; returns the exit status (130 after Ctrl-C or SIGTERM).
    public static func run(_ options: Options) throws(TerminalUnavailable) -> Int32 {
        SignalFlags.installInterruptHandlers()
        let screen = try NcursesBackend.open(environment: options.environment)
        defer { screen.close() }
        return DashboardApp(options: options, screen: screen).loop()
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
        state = DashboardState(config: options.config, width: screen.width, height: screen.height, themeNames: names)
        state.themeIndex = names.firstIndex(of: theme.name) ?? 0
        appliedTheme = state.themeIndex
        screen.apply(Palette(theme: theme, depth: screen.depth))
        if !warnings.isEmpty {
            state.status = "Theme: " + warnings.map(\.description).joined(separator: "; ")
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
        startLoadingData()
        var interrupted = false

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
            if SignalFlags.take() != 0 {
                interrupted = true
                inputs.append(.interrupt)
            }
            for input in inputs {
                for effect in DashboardReducer.reduce(&state, input) { perform(effect) }
            }
            if state.quitRequested { break }
            if state.themeIndex != appliedTheme { applyTheme() }

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
        runner?.stop(waitingUpTo: 2)
        return interrupted ? 130 : 0
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

    private func perform(_ effect: DashboardEffect) {
        switch effect {
        case .startRun(let config):
            guard let dataSet = state.dataSet else { return }
            do {
                let split = try DataSplit(dataSet: dataSet, labeledFraction: config.labeledFraction,
                                          validationFraction: config.validationFraction, seed: config.seed)
                let experiment = try Experiment(config: config, dataSet: dataSet, split: split)
                let runner = TrainingRunner(experiment: experiment, inbox: inbox)
                self.runner = runner
                runner.start()
            } catch {
                state.run = nil
                state.status = "\(error)"
            }
        case .pauseRun: runner?.control.pause()
        case .resumeRun: runner?.control.resume()
        case .stopRun: runner?.control.stop()
        case .quit: break
        }
    }

    private func applyTheme() {
        appliedTheme = state.themeIndex
        let (theme, warnings) = catalog.load(themePaths[state.themeName] ?? state.themeName)
        screen.apply(Palette(theme: theme, depth: screen.depth))
        state.status = warnings.isEmpty ? "Theme: \(theme.name)"
            : "Theme: " + warnings.map(\.description).joined(separator: "; ")
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
