import Foundation
import Synchronization

/// Ctrl-C and SIGTERM, turned into a flag the run loop reads each turn: a signal
/// handler may do almost nothing safely, and the loop restores the terminal itself.
enum SignalFlags {
    static let interrupted = Atomic<Int32>(0)

    /// Installed before the terminal opens, so ncurses, which only takes signals
    /// nobody has claimed, leaves these two to us.
    static func installInterruptHandlers() {
        // A parent may hand down a mask that blocks them (tmux started from a process
        // that blocked everything does), and then Ctrl-C and SIGTERM would never arrive.
        var set = terminalSignals
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for number in [SIGINT, SIGTERM] {
            signal(number) { received in SignalFlags.interrupted.store(received, ordering: .relaxed) }
        }
    }

    /// The signal received since the last call, or 0.
    static func take() -> Int32 {
        interrupted.exchange(0, ordering: .relaxed)
    }

    /// Called first on every thread the dashboard starts: terminal signals then reach
    /// the UI thread only, where the terminal library expects them.
    static func blockTerminalSignalsOnThisThread() {
        var set = terminalSignals
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    private static var terminalSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGINT, SIGTERM, SIGTSTP, SIGCONT, SIGWINCH] { sigaddset(&set, number) }
        return set
    }
}
