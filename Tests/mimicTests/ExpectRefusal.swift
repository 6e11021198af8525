import MimicTestSupport
import Testing

/// Runs mimic and checks it refused with one sentence starting with `message`, exit 1,
/// and nothing on standard output: the shape every refusal of bad input takes.
func expectRefusal(_ arguments: [String], in folder: TemporaryFolder, startsWith message: String,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    let output = try MimicProcess.run(arguments, in: folder)
    #expect(output.status == 1, "\(arguments): exit \(output.status), \(output.stderr)", sourceLocation: sourceLocation)
    #expect(output.stderr.hasPrefix("mimic: \(message)"), "\(arguments): \(output.stderr)", sourceLocation: sourceLocation)
    #expect(output.stderr.split(separator: "\n").count == 1, "\(arguments): one sentence, not \(output.stderr)",
            sourceLocation: sourceLocation)
    #expect(output.stdout.isEmpty, "\(arguments): nothing on standard output, not \(output.stdout)", sourceLocation: sourceLocation)
}
