import ArgumentParser
import Foundation
import MimicEngine

/// Prints a person-facing error as one line on standard error and exits non-zero.
/// Argument mistakes go through ArgumentParser instead, which adds the usage.
func exitWithError(_ error: Error) -> Never {
    let message: String
    switch error {
    case let reportable as ReportableError: message = reportable.description
    case let exit as ExitCode: Foundation.exit(exit.rawValue)
    default: message = "\(error)"
    }
    FileHandle.standardError.write(Data("mimic: \(message)\n".utf8))
    Foundation.exit(1)
}

/// Runs `body`, turning any error into `exitWithError`.
func reportingErrors<T>(_ body: () throws -> T) -> T {
    do {
        return try body()
    } catch {
        exitWithError(error)
    }
}

extension MimicLoss: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}

/// Writes one line to standard output at once, unbuffered: progress must show up
/// while training runs, also when the output goes to a pipe or a file.
func writeLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// The same on standard error, for a failure reported while the command goes on.
func writeErrorLine(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
