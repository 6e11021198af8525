/// How one model's training ended, and what it reached. Codable so that a run folder
/// keeps it and a resumed run reports a finished model without training it again.
public struct ModelResult: Sendable, Codable {
    public enum Status: Sendable, Equatable, Codable, CustomStringConvertible {
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

extension ModelResult.Status {
    private enum CodingKeys: String, CodingKey { case status, reason }

    /// {"status": "diverged", "reason": "..."}: flat, so any JSON reader can use it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(description, forKey: .status)
        switch self {
        case .finished, .stopped: break
        case .diverged(let reason), .skipped(let reason): try container.encode(reason, forKey: .reason)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let status = try container.decode(String.self, forKey: .status)
        switch status {
        case "finished": self = .finished
        case "stopped": self = .stopped
        case "diverged": self = .diverged(try container.decode(String.self, forKey: .reason))
        case "skipped": self = .skipped(try container.decode(String.self, forKey: .reason))
        default:
            throw DecodingError.dataCorruptedError(forKey: .status, in: container,
                                                   debugDescription: "unknown status \"\(status)\"")
        }
    }
}
