import Foundation
import MimicEngine
import MimicStore

/// One experiment on its own thread, publishing events into the inbox (and the run
/// store, when recorded) and obeying the control. The experiment object and the
/// recorder are only touched by that thread once started.
final class TrainingRunner: @unchecked Sendable {
    let control = TrainingControl()
    private let experiment: Experiment
    private let inbox: EventInbox
    private let recorder: RunRecorder?
    private let finished = DispatchSemaphore(value: 0)

    init(experiment: Experiment, inbox: EventInbox, recorder: RunRecorder? = nil) {
        self.experiment = experiment
        self.inbox = inbox
        self.recorder = recorder
    }

    func start() {
        let thread = Thread { [self] in
            SignalFlags.blockTerminalSignalsOnThisThread()
            _ = experiment.run(control: control) { [inbox, recorder] event in
                inbox.push(.engine(event))
                recorder?.record(event)
            }
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
