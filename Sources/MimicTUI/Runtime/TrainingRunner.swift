import Foundation
import MimicEngine

/// One experiment on its own thread, publishing events into the inbox and obeying
/// the control. The experiment object is only touched by that thread once started.
final class TrainingRunner: @unchecked Sendable {
    let control = TrainingControl()
    private let experiment: Experiment
    private let inbox: EventInbox
    private let finished = DispatchSemaphore(value: 0)

    init(experiment: Experiment, inbox: EventInbox) {
        self.experiment = experiment
        self.inbox = inbox
    }

    func start() {
        let thread = Thread { [self] in
            SignalFlags.blockTerminalSignalsOnThisThread()
            _ = experiment.run(control: control) { [inbox] event in inbox.push(.engine(event)) }
            finished.signal()
        }
        // The engine recurses little, but BLAS and the layers keep sizeable frames.
        thread.stackSize = 8 << 20
        thread.name = "mimic training"
        thread.start()
    }

    /// Stops at the next step and waits up to `seconds` for the thread to end.
    @discardableResult
    func stop(waitingUpTo seconds: Double) -> Bool {
        control.stop()
        return finished.wait(timeout: .now() + seconds) == .success
    }
}
