import ArgumentParser
import Foundation
import MimicEngine

/// The one place a command's error becomes what the person sees and the exit code.
/// A sentence of ours (`ReportableError`) is one line on standard error and exit 1; an
/// `ExitCode` exits with its code and says nothing (the command said why); anything
/// else is ArgumentParser's (a mistyped option, --help), which adds the usage.
enum CommandErrors {
    static func exit(reporting error: any Error) -> Never {
        switch error {
        case let reportable as ReportableError:
            FileHandle.standardError.write(Data("mimic: \(reportable.description)\n".utf8))
            Foundation.exit(1)
        case let code as ExitCode:
            Foundation.exit(code.rawValue)
        default:
            Mimic.exit(withError: error)
        }
    }
}

extension MimicLoss: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}

/// Writes one line to standard output at once, unbuffered: progress must show up
/// while training runs, also when the output goes to a pipe or a file.
func writeLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// The same on standard error, for a failure reported while the command goes on.
func writeErrorLine(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
