import Foundation
import MimicEngine
import Synchronization

/// The dashboard's machinery without a terminal, to measure what it costs a training:
/// the same inbox, reducer and renderer as `DashboardApp`, on a thread of their own,
/// fed the training's events as a run session feeds them (`receive`), drawing into a
/// grid nobody sees. It redraws every `DashboardApp.frameInterval` whether or not
/// anything changed, where the app redraws only on a change (a progress point, a key,
/// the clock's second), so its cost is an upper bound of the app's. What it leaves
/// out is the terminal itself: ncurses comparing the grid with the screen and writing
/// the difference.
///
/// Its state starts as the app's does once the data set has loaded and Space was
/// pressed, so the events fill a run's curves and table as they do on screen.
public final class OffscreenDashboard: @unchecked Sendable {
    private let inbox = EventInbox()
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Guards `paused`; the thread waits on it while paused.
    private let pause = NSCondition()
    private var paused = false
    private var wallStart = ContinuousClock.now
    // Touched by the dashboard's thread only, between `start` and `stop`; `stop` reads
    // them after the thread signalled that it finished.
    private var state: DashboardState
    private var lastFrame = CellGrid(width: 0, height: 0)
    private var frameCount = 0
    private var threadCPUSeconds = 0.0

    /// What the dashboard's thread did while it ran.
    public struct Usage: Sendable {
        public var frames: Int
        /// CPU time of the dashboard's thread.
        public var cpuSeconds: Double
        public var wallSeconds: Double
        /// The frame drawn last, after every event sent before `stop`.
        public var lastFrame: CellGrid
    }

    public init(config: ExperimentConfig, dataSet: DataSet, width: Int = 120, height: Int = 40) {
        state = DashboardState(config: config, width: width, height: height)
        _ = DashboardReducer.reduce(&state, .dataLoaded(dataSet))
        _ = DashboardReducer.reduce(&state, .key(.character(" ")))
    }

    /// The training's listener.
    public func receive(_ event: TrainingEvent) {
        inbox.push(.engine(event))
    }

    public func start() {
        wallStart = ContinuousClock.now
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = "mimic offscreen dashboard"
        thread.start()
    }

    /// Holds the thread between turns until `resume`: no turn, no frame, no wake-up.
    /// Events still go to the inbox, and the first turn after `resume` takes them in.
    public func suspend() {
        pause.lock()
        paused = true
        pause.unlock()
    }

    public func resume() {
        pause.lock()
        paused = false
        pause.signal()
        pause.unlock()
    }

    /// Stops the thread after one more turn, which takes in every event sent before;
    /// call once, after `start`.
    public func stop() -> Usage {
        stopRequested.store(true, ordering: .releasing)
        resume()
        finished.wait()
        return Usage(frames: frameCount, cpuSeconds: threadCPUSeconds,
                     wallSeconds: (ContinuousClock.now - wallStart).seconds, lastFrame: lastFrame)
    }

    /// `DashboardApp.loop` without keys, drawing at the frame rate.
    private func loop() {
        let cpuStart = Self.threadCPUTime()
        let clock = ContinuousClock()
        let started = clock.now
        let renderer = DashboardRenderer(glyphs: .unicode)
        let interval = Duration.seconds(DashboardApp.frameInterval)
        var next = started
        var stopping = false
        repeat {
            // Read before the turn, so the last turn sees everything sent before `stop`.
            stopping = stopRequested.load(ordering: .acquiring)
            for input in [.tick(now: (clock.now - started).seconds)] + inbox.drain() {
                _ = DashboardReducer.reduce(&state, input)
            }
            lastFrame = renderer.render(state)
            frameCount += 1
            next += interval
            if !stopping && next > clock.now { Thread.sleep(forTimeInterval: (next - clock.now).seconds) }
            pause.lock()
            while paused && !stopRequested.load(ordering: .acquiring) { pause.wait() }
            pause.unlock()
            if next < clock.now { next = clock.now }
        } while !stopping
        threadCPUSeconds = Self.threadCPUTime() - cpuStart
    }

    private static func threadCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
