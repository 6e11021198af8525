/// How one model's training ended, and what it reached.
public struct ModelResult: Sendable {
    public enum Status: Sendable, Equatable, CustomStringConvertible {
        case finished
        /// Stopped from outside (pause/stop control) before its last epoch.
        case stopped
        /// The loss became NaN or infinite; the message says when and what to try.
        case diverged(String)
        /// Never started; the message says why.
        case skipped(String)

        public var description: String {
            switch self {
            case .finished: "finished"
            case .stopped: "stopped"
            case .diverged: "diverged"
            case .skipped: "skipped"
            }
        }
    }

    public let id: ModelID
    public let parameters: Int
    public let forwardFLOPsPerSample: Int
    public var status: Status
    public var epochsCompleted: Int = 0
    /// Seconds spent training; pauses and evaluations excluded.
    public var trainingTime: Double = 0
    /// The last test evaluation (end of the last completed epoch).
    public var test: Evaluation?
    /// Training time at which the test accuracy first reached the mentor's final test
    /// accuracy; nil for the mentor and for models that never did.
    public var timeToParity: Double?
    /// Where its checkpoint was written, if anywhere.
    public var checkpoint: String?
    /// Why writing the checkpoint failed, if it did.
    public var checkpointError: String?

    public init(id: ModelID, parameters: Int, forwardFLOPsPerSample: Int, status: Status) {
        self.id = id
        self.parameters = parameters
        self.forwardFLOPsPerSample = forwardFLOPsPerSample
        self.status = status
    }
}
