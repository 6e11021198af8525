import Foundation
import MimicEngine

/// Beside a training run: takes the pause / resume / stop requests that watchers
/// add to the store for it, about twice a second, and applies them to the run's
/// control; and writes the run's heartbeat every few seconds. A thread of its own
/// rather than the recorder's flushes, because while paused the training thread waits
/// inside the control and flushes nothing, and something must still hear "resume" and
/// still say that the trainer lives. The engine's paused and resumed events, which
/// the recorder writes, then tell every watcher that the request took effect.
public final class RunControlPoller {
    private let timer: DispatchSourceTimer
    /// The serial queue the polls run on.
    private let queue = DispatchQueue(label: "mimic control poller")

    /// Starts polling at once. `reportFailure` gets one sentence the first time the
    /// store cannot be read; polling goes on, and training is never stopped by it.
    public init(store: RunStore, runID: Int64, control: TrainingControl, interval: Duration = .milliseconds(500),
                heartbeatInterval: Duration = TrainerLiveness.heartbeatInterval,
                generation: Int64? = nil,
                reportFailure: @escaping @Sendable (String) -> Void = RunRecorder.printToStandardError,
                onClaimLost: @escaping @Sendable () -> Void = {}) {
        timer = DispatchSource.makeTimerSource(queue: queue)
        let milliseconds = Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
        // Touched only on the timer's serial queue.
        nonisolated(unsafe) var hasFailed = false
        nonisolated(unsafe) var lastBeat = ContinuousClock.now
        timer.schedule(deadline: .now(), repeating: .milliseconds(max(milliseconds, 10)))
        timer.setEventHandler {
            do {
                for request in try store.takeControlRequests(run: runID) {
                    switch request {
                    case .pause: control.pause()
                    case .resume: control.resume()
                    case .stop: control.stop()
                    }
                }
                if ContinuousClock.now - lastBeat >= heartbeatInterval {
                    lastBeat = ContinuousClock.now
                    if let generation {
                        // An agent's run: its beat holds only while its claim does.
                        if try !store.beat(runID, generation: generation) { onClaimLost() }
                    } else {
                        try store.beat(runID)
                    }
                }
            } catch {
                if !hasFailed {
                    hasFailed = true
                    reportFailure("Pause, resume and stop from 'mimic watch' cannot reach run \(runID): \(error)")
                }
            }
        }
        timer.resume()
    }

    /// Stops polling, once a poll under way has finished (whoever cancels may close the
    /// store, or drop its database, next), or after 5 s: a poll that hangs on a cut link
    /// must not hold the run's end. Requests made later stay unhandled in the store.
    public func cancel() {
        timer.cancel()
        let finished = DispatchSemaphore(value: 0)
        queue.async { finished.signal() }
        _ = finished.wait(timeout: .now() + 5)
    }

    deinit { timer.cancel() }
}
