import Foundation
import Testing

/// Whether python3 with numpy can run here: the interoperability tests check our
/// files and numbers against an independent implementation; `NumpyReferenceMode`
/// says what they do without one.
let numpyAvailable: Bool = {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = ["python3", "-c", "import numpy"]
    probe.standardOutput = FileHandle.nullDevice
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
}()

/// Runs a Python script and returns what it printed; fails the test if it failed.
func runPython(_ script: String, arguments: [String]) throws -> Data {
    try runProgram("python3", ["-c", script] + arguments)
}

/// Runs `program` (found on PATH, or a path) and returns what it printed; fails the test if it failed.
func runProgram(_ program: String, _ arguments: [String]) throws -> Data {
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = [program] + arguments
    let output = Pipe(), errors = Pipe()
    python.standardOutput = output
    python.standardError = errors
    try python.run()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    python.waitUntilExit()
    try #require(python.terminationStatus == 0, "\(complaint)")
    return printed
}
