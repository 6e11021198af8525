import Foundation
import MimicEngine
import MimicSweep

/// The first Ctrl-C (or SIGTERM) asks the training to stop at the next step, so the
/// report of what is done still prints and the run is recorded as stopped; a second
/// one quits at once (the run is then found interrupted, and can be resumed). The
/// command then exits 128 + the signal: 130 after Ctrl-C, 143 after SIGTERM.
final class InterruptHandler: StopRequest, @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var count = 0
    /// The first signal that came, once one did.
    private var signalNumber: Int32?
    /// The training a Ctrl-C stops; `mimic reproduce` points it at each seed's in turn.
    private var control: TrainingControl?
    /// What else a stop reaches: a sweep's worker processes.
    private var passOn: [@Sendable (Int32) -> Void] = []

    init(control: TrainingControl? = nil) {
        self.control = control
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                self.count += 1
                let first = self.count == 1
                if first { self.signalNumber = signalNumber }
                let control = self.control
                let passOn = self.passOn
                self.lock.unlock()
                if first {
                    FileHandle.standardError.write(Data("\nmimic: stopping after the current step; press Ctrl-C again to quit now.\n".utf8))
                    control?.stop()
                    for action in passOn { action(signalNumber) }
                } else {
                    Foundation.exit(128 + signalNumber)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Makes `control` the training a Ctrl-C stops (stopped at once if one came already).
    func stops(_ control: TrainingControl) {
        lock.lock()
        self.control = control
        let stopNow = count > 0
        lock.unlock()
        if stopNow { control.stop() }
    }

    func passesOn(_ action: @escaping @Sendable (Int32) -> Void) {
        lock.lock()
        passOn.append(action)
        let came = signalNumber
        lock.unlock()
        if let came { action(came) }
    }

    var interrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return count > 0
    }

    /// The exit code of a command stopped by a signal: 128 + its number.
    var exitCode: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return 128 + (signalNumber ?? SIGINT)
    }
}
