import MimicEngine

/// One architecture of the next run as the pane shows it: the spec as typed and, once
/// the data set's shape is known, its size or the reason it cannot be built.
public struct ArchitectureEntry: Equatable, Sendable {
    public struct Size: Equatable, Sendable {
        public let parameters: Int
        public let forwardFLOPsPerSample: Int
    }

    public enum Check: Equatable, Sendable {
        /// The data set is not loaded yet, so the input shape is unknown.
        case pending
        case valid(Size)
        case invalid(SpecError)
    }

    public let spec: String
    public let check: Check

    /// Works out the network's size from the spec; a spec that fails here would fail
    /// the run, so the error is shown now, in place. Nothing is allocated: this runs on
    /// every keystroke in the editor, where building even an allowed large network
    /// would freeze the dashboard.
    public init(spec: String, input: SampleShape?, classes: Int) {
        self.spec = spec
        guard let input, classes >= 2 else {
            do {
                _ = try ArchitectureSpec(spec)
                check = .pending
            } catch {
                check = .invalid(error)
            }
            return
        }
        do {
            let size = try NetworkSize(spec: ArchitectureSpec(spec), input: input, classes: classes)
            check = .valid(Size(parameters: size.parameters, forwardFLOPsPerSample: size.forwardFLOPsPerSample))
        } catch {
            check = .invalid(error)
        }
    }

    public var error: SpecError? {
        if case .invalid(let error) = check { return error }
        return nil
    }
}
