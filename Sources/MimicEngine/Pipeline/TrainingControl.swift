import Foundation

/// Pause, resume and stop for a training that runs on another thread. The trainer
/// calls `waitIfPaused()` between steps; everything else may be called from anywhere.
public final class TrainingControl: @unchecked Sendable {
    // NSCondition guards both flags; @unchecked because it does the locking itself.
    private let condition = NSCondition()
    private var paused = false
    private var stopped = false

    public init() {}

    public func pause() {
        condition.lock()
        paused = true
        condition.unlock()
    }

    public func resume() {
        condition.lock()
        paused = false
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the current model's training at the next step and skips the models after it.
    public func stop() {
        condition.lock()
        stopped = true
        paused = false
        condition.broadcast()
        condition.unlock()
    }

    public var isPaused: Bool {
        condition.lock()
        defer { condition.unlock() }
        return paused
    }

    public var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Blocks while paused. Returns true when training should go on, false when stopped.
    /// `onPause` runs once if this call had to wait, before and after the wait.
    func waitIfPaused(onPause: (_ pausing: Bool) -> Void) -> Bool {
        condition.lock()
        guard paused, !stopped else {
            let goOn = !stopped
            condition.unlock()
            return goOn
        }
        condition.unlock()
        onPause(true)
        condition.lock()
        while paused && !stopped { condition.wait() }
        let goOn = !stopped
        condition.unlock()
        onPause(false)
        return goOn
    }
}
